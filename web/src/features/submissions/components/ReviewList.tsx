import { Markdown } from "@/components/markdown/Markdown";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { formatDateTime } from "@/lib/format";

import { reviewFileUrl, type Review } from "../api/submissions-api";
import { useRateReview } from "../hooks/queries";
import { FileList } from "./FileList";

interface ReviewListProps {
  submissionId: number;
  reviews: Review[];
  /** The submitter may rate each review's helpfulness once. */
  canRate: boolean;
  renderReviewer: (reviewerId: number) => React.ReactNode;
}

function RatingControl({ review, submissionId }: { review: Review; submissionId: number }) {
  const rate = useRateReview(submissionId);
  if (review.helpfulness !== undefined) {
    return <p className="text-sm">You rated this review {review.helpfulness} of 5.</p>;
  }
  return (
    <div className="space-y-1">
      <fieldset className="flex flex-wrap items-center gap-1 text-sm">
        <legend className="mb-1">How helpful was this review?</legend>
        {[1, 2, 3, 4, 5].map((rating) => (
          <button
            key={rating}
            type="button"
            disabled={rate.isPending}
            onClick={() => {
              rate.mutate({ reviewId: review.id, rating });
            }}
            className="h-9 w-9 rounded-md border border-slate-300 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
            aria-label={`${rating} of 5`}
          >
            {rating}
          </button>
        ))}
      </fieldset>
      <ErrorMessage error={rate.error} />
    </div>
  );
}

export function ReviewList({ submissionId, reviews, canRate, renderReviewer }: ReviewListProps) {
  if (reviews.length === 0) {
    return (
      <p className="text-sm text-slate-600 dark:text-slate-400">
        No reviews yet. You will see them here when a reviewer finishes.
      </p>
    );
  }
  return (
    <ul className="space-y-4">
      {reviews.map((review) => (
        <li
          key={review.id}
          className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-700"
          data-testid="review"
        >
          <p className="text-sm">
            <strong
              className={
                review.verdict === "accept"
                  ? "text-emerald-700 dark:text-emerald-400"
                  : "text-red-700 dark:text-red-400"
              }
            >
              {review.verdict === "accept" ? "Accepted" : "Rejected"}
            </strong>{" "}
            · score {review.score}/100 · by {renderReviewer(review.reviewer_id)} ·{" "}
            {formatDateTime(review.created_at)}
          </p>
          <Markdown source={review.content} />
          <FileList
            title="Attachments"
            files={review.files}
            urlFor={(file) => reviewFileUrl(review.id, file.id)}
          />
          {canRate && <RatingControl review={review} submissionId={submissionId} />}
        </li>
      ))}
    </ul>
  );
}
