import type { JobStatus } from "../api/grading-api";
import { jobStatusText } from "../grading-state";

const badgeClasses: Record<JobStatus, string> = {
  queued: "bg-slate-200 text-slate-900 dark:bg-slate-700 dark:text-slate-100",
  running: "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-100",
  done: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
  failed: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
};

/** A grading job's status as a coloured label. */
export function JobStatusBadge({ status }: { status: JobStatus }) {
  return (
    <span
      data-testid="grading-status"
      className={`rounded-full px-2 py-0.5 text-xs font-medium ${badgeClasses[status]}`}
    >
      {jobStatusText[status]}
    </span>
  );
}

/** A bar that moves while work of unknown length runs, with its label for screen readers. */
export function WorkingBar({ label }: { label: string }) {
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-busy="true"
      className="h-2 overflow-hidden rounded bg-slate-200 dark:bg-slate-700"
    >
      <div className="h-full w-1/3 animate-pulse rounded bg-indigo-600" />
    </div>
  );
}
