import { ReviewQueue } from "@/features/submissions";
import { useDocumentTitle } from "@/lib/use-document-title";

export function ReviewsPage() {
  useDocumentTitle("Review queue");
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Review queue</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Claim a submission, read it, and send your feedback. Each review earns points.
      </p>
      <ReviewQueue />
    </div>
  );
}
