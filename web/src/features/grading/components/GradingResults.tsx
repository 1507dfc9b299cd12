import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { formatDateTime } from "@/lib/format";

import type { SubmissionGrading } from "../api/grading-api";
import { countPassed, formatScore } from "../grading-state";
import { isNotFound, useSubmissionGrading } from "../hooks/queries";
import { JobStatusBadge, WorkingBar } from "./JobStatusBadge";
import { TestResultList } from "./TestResultList";

function GradingSummary({ grading }: { grading: SubmissionGrading }) {
  const tests = grading.results?.tests ?? [];
  return (
    <p className="flex flex-wrap items-center gap-2 text-sm" aria-live="polite">
      <JobStatusBadge status={grading.status} />
      {grading.status === "done" && (
        <>
          <span data-testid="grading-score">{formatScore(grading.score, grading.max_score)}</span>
          {tests.length > 0 && (
            <span className="text-slate-600 dark:text-slate-400">
              · {countPassed(tests)} of {tests.length} tests passed
            </span>
          )}
        </>
      )}
      {grading.finished_at !== undefined && (
        <span className="text-slate-600 dark:text-slate-400">
          · {formatDateTime(grading.finished_at)}
        </span>
      )}
    </p>
  );
}

/**
 * The automatic test results of a submission. The submitter sees the visible tests, and
 * reviewers, the lab's author and moderators see all of them; the server decides which.
 * The page asks again every second while the job is queued or running.
 */
export function GradingResults({
  submissionId,
  labHadGrader,
}: {
  submissionId: number;
  /** From the lab's grading setup: false sends no request; undefined (not known) sends one. */
  labHadGrader?: boolean;
}) {
  const grading = useSubmissionGrading(submissionId, labHadGrader !== false);

  if (labHadGrader === false || (grading.isError && isNotFound(grading.error))) {
    return (
      <EmptyState title="No automatic tests ran on this submission.">
        The lab had no autograder when it was submitted.
      </EmptyState>
    );
  }
  if (grading.isPending) return <Loading label="Loading the test results…" />;
  if (grading.isError) {
    return <ErrorMessage error={grading.error} title="The test results could not be loaded." />;
  }

  const data = grading.data;
  return (
    <div className="space-y-3" data-testid="grading-results" data-view={data.view}>
      <GradingSummary grading={data} />
      {data.status === "queued" && (
        <div className="space-y-1 text-sm">
          <WorkingBar label="Waiting for a grading worker" />
          <p className="text-slate-600 dark:text-slate-400">
            Waiting for a grading worker. This page updates by itself.
          </p>
        </div>
      )}
      {data.status === "running" && (
        <div className="space-y-1 text-sm">
          <WorkingBar label="Running the tests" />
          <p className="text-slate-600 dark:text-slate-400">
            Running the tests{data.attempts > 1 ? ` (attempt ${data.attempts})` : ""}. This page
            updates by itself.
          </p>
        </div>
      )}
      {data.status === "failed" && (
        <ErrorMessage
          error={new Error(data.error ?? "The grader could not be run.")}
          title="Grading failed because of a problem on the server, not in the submission."
        />
      )}
      {data.results !== undefined && data.results.output !== "" && (
        <pre className="max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs whitespace-pre-wrap dark:bg-slate-800">
          {data.results.output}
        </pre>
      )}
      {data.results !== undefined &&
        (data.results.tests.length > 0 ? (
          <TestResultList tests={data.results.tests} />
        ) : (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            The grader reported no test you may see.
          </p>
        ))}
      {data.view === "visible_tests" && (data.hidden_tests ?? 0) > 0 && (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {data.hidden_tests === 1
            ? "1 more test is hidden from you"
            : `${data.hidden_tests} more tests are hidden from you`}
          ; reviewers see {data.hidden_tests === 1 ? "it" : "them"}. The score above counts the
          visible tests only.
        </p>
      )}
    </div>
  );
}
