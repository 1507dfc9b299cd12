import { Link, useSearchParams } from "react-router";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { ProgressBar } from "@/components/ui/ProgressBar";

import type { GradingJobs } from "../api/grading-api";
import { batchProgress, changedScores, formatPoints } from "../grading-state";
import { useGradingBatch, useRegrade } from "../hooks/queries";

function BatchReport({ jobs }: { jobs: GradingJobs }) {
  const total = jobs.queued + jobs.running + jobs.done + jobs.failed;
  const finished = jobs.done + jobs.failed;
  const changed = changedScores(jobs);
  const failed = jobs.items.filter((job) => job.status === "failed");

  return (
    <div className="space-y-3" data-testid="regrade-report">
      <ProgressBar
        label={`Re-graded ${finished} of ${total} submissions`}
        value={batchProgress(jobs)}
        max={1}
      />
      {finished === total && (
        <p role="status" className="text-sm font-medium">
          {total === 0
            ? "The lab has no submissions to re-grade."
            : `${changed.length} of ${total} ${total === 1 ? "score" : "scores"} changed.`}
        </p>
      )}
      {changed.length > 0 && (
        <ul className="space-y-1 text-sm" aria-label="Changed scores">
          {changed.map((job) => (
            <li key={job.job_id} data-testid="changed-score">
              <Link to={`/reviews/${job.submission_id}`} className="underline">
                Submission #{job.submission_id}
              </Link>
              :{" "}
              {job.previous_score === null || job.previous_score === undefined
                ? "no score"
                : formatPoints(job.previous_score)}{" "}
              → {job.score === null ? "no score" : formatPoints(job.score)}
              {job.max_score !== null && ` of ${formatPoints(job.max_score)}`} points
            </li>
          ))}
        </ul>
      )}
      {failed.length > 0 && (
        <ul className="space-y-1 text-sm text-red-700 dark:text-red-400" aria-label="Failed jobs">
          {failed.map((job) => (
            <li key={job.job_id}>
              Submission #{job.submission_id}: grading failed
              {job.error !== undefined ? ` (${job.error})` : ""}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * Re-grades every submission of the lab with the current grader and lists the scores that
 * changed. The batch id is kept in the page's address (`?batch=`), so a reload shows it again.
 */
export function RegradePanel({ labId }: { labId: number }) {
  const regrade = useRegrade(labId);
  const [searchParams, setSearchParams] = useSearchParams();
  const batch = searchParams.get("batch");
  const jobs = useGradingBatch(labId, batch);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <Button
          variant="secondary"
          busy={regrade.isPending}
          onClick={() => {
            regrade.mutate(undefined, {
              onSuccess: (queued) => {
                setSearchParams({ batch: queued.batch }, { replace: true });
              },
            });
          }}
        >
          Re-grade all submissions
        </Button>
        <span className="text-sm text-slate-600 dark:text-slate-400">
          Runs the current grader again on every submission of this lab.
        </span>
      </div>
      <ErrorMessage error={regrade.error} title="The re-grade could not start." />
      {batch !== null && jobs.isPending && <Loading label="Loading the re-grade…" />}
      {batch !== null && jobs.isError && (
        <ErrorMessage error={jobs.error} title="The re-grade could not be loaded." />
      )}
      {batch !== null && jobs.isSuccess && <BatchReport jobs={jobs.data} />}
    </div>
  );
}
