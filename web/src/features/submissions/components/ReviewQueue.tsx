import { useState } from "react";
import { Link } from "react-router";

import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";
import { formatDateTime, pluralize } from "@/lib/format";

import { useReviewQueue } from "../hooks/queries";

/** Submissions the caller may review, oldest first. */
interface ReviewQueueProps {
  /** Renders a lab's name as text; "lab #id" by default. */
  renderLab?: (labId: number) => React.ReactNode;
}

export function ReviewQueue({ renderLab = (labId) => `lab #${String(labId)}` }: ReviewQueueProps) {
  const [page, setPage] = useState(1);
  const queue = useReviewQueue(page);
  if (queue.isPending) return <Loading label="Loading the review queue…" />;
  if (queue.isError)
    return <ErrorMessage error={queue.error} title="The review queue could not be loaded." />;
  if (queue.data.items.length === 0) {
    return (
      <EmptyState title="Nothing to review right now.">
        You can review submissions to labs you wrote or have solved (with an accepted submission).
        Solve more{" "}
        <Link to="/labs" className="underline">
          labs
        </Link>{" "}
        to review more.
      </EmptyState>
    );
  }
  return (
    <div>
      <ul className="divide-y divide-slate-200 rounded-lg bg-white shadow-sm dark:divide-slate-800 dark:bg-slate-900">
        {queue.data.items.map((entry) => (
          <li
            key={entry.submission_id}
            className="flex flex-wrap items-center justify-between gap-2 px-4 py-3"
          >
            <Link to={`/reviews/${entry.submission_id}`} className="font-medium underline">
              Submission #{entry.submission_id} to {renderLab(entry.lab_id)}
            </Link>
            <span className="text-sm text-slate-600 dark:text-slate-400">
              {formatDateTime(entry.created_at)} · {pluralize(entry.files_count, "file")} ·{" "}
              {entry.reviews_count} of {pluralize(entry.required_reviews, "review")}
            </span>
          </li>
        ))}
      </ul>
      <Pagination
        page={page}
        limit={queue.data.limit}
        total={queue.data.total}
        onChange={setPage}
      />
    </div>
  );
}
