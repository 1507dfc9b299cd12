import type { SubmissionStatus } from "../api/submissions-api";

const labels: Record<SubmissionStatus, { text: string; className: string }> = {
  submitted: {
    text: "Waiting for a reviewer",
    className: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100",
  },
  in_review: {
    text: "In review",
    className: "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100",
  },
  accepted: {
    text: "Accepted",
    className: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
  },
  rejected: {
    text: "Rejected",
    className: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
  },
};

export function StatusBadge({ status }: { status: SubmissionStatus }) {
  const label = labels[status];
  return (
    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${label.className}`}>
      {label.text}
    </span>
  );
}
