import { useState } from "react";
import { Link } from "react-router";

import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";
import { formatDateTime, pluralize } from "@/lib/format";

import { useMySubmissions } from "../hooks/queries";
import { StatusBadge } from "./StatusBadge";

interface MySubmissionsProps {
  /** Renders a lab's name as text; "lab #id" by default. */
  renderLab?: (labId: number) => React.ReactNode;
}

export function MySubmissions({
  renderLab = (labId) => `lab #${String(labId)}`,
}: MySubmissionsProps) {
  const [page, setPage] = useState(1);
  const list = useMySubmissions(page);
  if (list.isPending) return <Loading label="Loading your submissions…" />;
  if (list.isError)
    return <ErrorMessage error={list.error} title="Your submissions could not be loaded." />;
  if (list.data.items.length === 0) {
    return (
      <EmptyState title="You have not submitted anything yet.">
        Open a{" "}
        <Link to="/labs" className="underline">
          lab
        </Link>
        , solve it, and submit your answer for review.
      </EmptyState>
    );
  }
  return (
    <div>
      <ul className="divide-y divide-slate-200 rounded-lg bg-white shadow-sm dark:divide-slate-800 dark:bg-slate-900">
        {list.data.items.map((submission) => (
          <li
            key={submission.id}
            className="flex flex-wrap items-center justify-between gap-2 px-4 py-3"
          >
            <span>
              <Link to={`/submissions/${submission.id}`} className="font-medium underline">
                Submission #{submission.id}
              </Link>{" "}
              <span className="text-sm text-slate-600 dark:text-slate-400">
                to {renderLab(submission.lab_id)} · {formatDateTime(submission.created_at)} ·{" "}
                {submission.reviews_count} of {pluralize(submission.required_reviews, "review")}
                {submission.final_score !== undefined && ` · score ${submission.final_score}`}
              </span>
            </span>
            <StatusBadge status={submission.status} />
          </li>
        ))}
      </ul>
      <Pagination page={page} limit={list.data.limit} total={list.data.total} onChange={setPage} />
    </div>
  );
}
