import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";

import { useRecommendations } from "../hooks/queries";
import { RecommendationList } from "./RecommendationList";

/** Shows the labs and articles recommended to the signed-in user. */
export function Recommended() {
  const recommendations = useRecommendations(6);
  if (recommendations.isPending) return <Loading label="Loading recommendations…" />;
  if (recommendations.isError)
    return (
      <ErrorMessage
        error={recommendations.error}
        title="The recommendations could not be loaded."
      />
    );
  if (recommendations.data.length === 0) {
    return (
      <EmptyState title="Nothing to recommend yet.">
        Recommendations are published labs and articles that you have not written, submitted or
        reviewed, and right now there are none. New ones appear here as people publish them.
      </EmptyState>
    );
  }
  return <RecommendationList items={recommendations.data} context="user" />;
}
