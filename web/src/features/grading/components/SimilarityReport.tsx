import { useState, type SubmitEvent } from "react";
import { Link } from "react-router";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";
import { Loading } from "@/components/ui/Loading";

import type { SimilarPair, SimilarityReport as Report } from "../api/grading-api";
import { parseThreshold } from "../grading-state";
import { useSimilarity } from "../hooks/queries";

interface SimilarityReportProps {
  labId: number;
  /** Renders a learner's name or link; the page supplies it from the users feature. */
  renderLearner: (learnerId: number) => React.ReactNode;
}

function PairCard({
  pair,
  renderLearner,
}: {
  pair: SimilarPair;
  renderLearner: SimilarityReportProps["renderLearner"];
}) {
  const percent = Math.round(pair.score * 100);
  return (
    <li
      data-testid="similar-pair"
      className="space-y-2 rounded-md border border-slate-200 p-3 text-sm dark:border-slate-700"
    >
      <p className="flex flex-wrap items-center gap-x-2">
        <span className="font-semibold">{percent}% similar:</span>
        <Link to={`/reviews/${pair.submission_a}`} className="underline">
          Submission #{pair.submission_a}
        </Link>
        <span>by {renderLearner(pair.learner_a)}</span>
        <span>and</span>
        <Link to={`/reviews/${pair.submission_b}`} className="underline">
          Submission #{pair.submission_b}
        </Link>
        <span>by {renderLearner(pair.learner_b)}</span>
      </p>
      {pair.regions.map((region, index) => (
        <div key={index} className="grid gap-2 sm:grid-cols-2">
          {(
            [
              [pair.submission_a, region.a],
              [pair.submission_b, region.b],
            ] as const
          ).map(([submissionId, side]) => (
            <figure key={submissionId} className="min-w-0 space-y-1">
              <figcaption className="text-xs text-slate-600 dark:text-slate-400">
                Submission #{submissionId}, lines {side.first_line}–{side.last_line}
              </figcaption>
              <pre className="max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">
                {side.text}
              </pre>
            </figure>
          ))}
        </div>
      ))}
    </li>
  );
}

function ReportBody({
  report,
  renderLearner,
}: {
  report: Report;
  renderLearner: SimilarityReportProps["renderLearner"];
}) {
  return (
    <div className="space-y-3">
      <p role="status" className="text-sm">
        Compared {report.submissions_compared}{" "}
        {report.submissions_compared === 1 ? "submission" : "submissions"}:{" "}
        {report.pairs.length === 0
          ? `no pair by different learners reaches ${report.threshold}.`
          : `${report.pairs.length} ${report.pairs.length === 1 ? "pair reaches" : "pairs reach"} ${report.threshold}.`}
      </p>
      <p className="text-xs text-slate-600 dark:text-slate-400">Method: {report.method}.</p>
      {report.pairs.length > 0 && (
        <ul className="space-y-3" aria-label="Similar pairs">
          {report.pairs.map((pair) => (
            <PairCard
              key={`${pair.submission_a}-${pair.submission_b}`}
              pair={pair}
              renderLearner={renderLearner}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * The lab's similarity report for its author and moderators: pairs of submissions by different
 * learners whose code matches above a threshold, with the matching lines side by side.
 */
export function SimilarityReport({ labId, renderLearner }: SimilarityReportProps) {
  const [input, setInput] = useState("0.5");
  const [problem, setProblem] = useState<string | null>(null);
  const [threshold, setThreshold] = useState<number | null>(null);
  const report = useSimilarity(labId, threshold);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const parsed = parseThreshold(input);
    setProblem(parsed === null ? "Enter a number from 0 to 1, such as 0.5." : null);
    if (parsed !== null) setThreshold(parsed);
  };

  return (
    <div className="space-y-4">
      <form onSubmit={onSubmit} noValidate className="flex flex-wrap items-end gap-3">
        <div className="w-48">
          <TextField
            label="Lowest similarity (0 to 1)"
            inputMode="decimal"
            value={input}
            error={problem ?? undefined}
            onChange={(event) => {
              setInput(event.target.value);
            }}
          />
        </div>
        <Button type="submit" variant="secondary" busy={report.isFetching}>
          Compare submissions
        </Button>
      </form>
      {threshold !== null && report.isPending && <Loading label="Comparing the submissions…" />}
      {report.isError && (
        <ErrorMessage error={report.error} title="The submissions could not be compared." />
      )}
      {report.isSuccess && <ReportBody report={report.data} renderLearner={renderLearner} />}
    </div>
  );
}
