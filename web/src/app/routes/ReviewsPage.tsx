import { LabTitle } from "@/features/labs";
import { ReviewQueue } from "@/features/submissions";
import { usePlatformConfig } from "@/lib/platform-config";
import { useDocumentTitle } from "@/lib/use-document-title";

export function ReviewsPage() {
  useDocumentTitle("Review queue");
  const reward = usePlatformConfig().data?.reviews.reward_points;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Review queue</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Claim a submission, read it, and send your feedback. Each review earns{" "}
        {reward === undefined ? "points" : `${reward} ${reward === 1 ? "point" : "points"}`}.
      </p>
      <ReviewQueue renderLab={(labId) => <LabTitle id={labId} />} />
    </div>
  );
}
