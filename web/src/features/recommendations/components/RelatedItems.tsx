import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";

import type { ItemType } from "../api/recommendations-api";
import { useRelated } from "../hooks/queries";
import { RecommendationList } from "./RecommendationList";

interface RelatedItemsProps {
  source: ItemType;
  id: number;
  /** Only items of this type; both types when absent. */
  type?: ItemType;
  title: string;
}

/** Shows the labs or articles related to one item, or nothing when there are none. */
export function RelatedItems({ source, id, type, title }: RelatedItemsProps) {
  const related = useRelated(source, id, 3, type);
  if (related.isPending) return <Loading label="Loading related material…" />;
  if (related.isError)
    return <ErrorMessage error={related.error} title="Related material could not be loaded." />;
  if (related.data.length === 0) return null;
  return (
    <section aria-labelledby={`related-${source}-${id}`} className="space-y-3">
      <h2 id={`related-${source}-${id}`} className="text-xl font-semibold">
        {title}
      </h2>
      <RecommendationList items={related.data} context="item" />
    </section>
  );
}
