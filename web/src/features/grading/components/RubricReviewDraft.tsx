import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { ApiError } from "@/lib/api-error";

import { useRubricReview } from "../hooks/queries";
import { JobStatusBadge, WorkingBar } from "./JobStatusBadge";

// 403: the caller is the submission's learner, who gets no draft. 404: the lab had no enabled
// rubric when the submission was made. 409: the server has no language model configured.
const hasNoDraft = (error: unknown) =>
  error instanceof ApiError && [403, 404, 409].includes(error.status);

/**
 * The machine-written rubric review draft of a submission for its reviewers, labelled as such.
 * It renders nothing when the submission has no draft, so labs without a rubric show no section.
 */
export function RubricReviewDraft({
  submissionId,
  labHasDrafts,
}: {
  submissionId: number;
  /** From the lab's grading setup: false sends no request; undefined (not known) sends one. */
  labHasDrafts?: boolean;
}) {
  const review = useRubricReview(submissionId, labHasDrafts !== false);
  if (labHasDrafts === false || review.isPending) return null;
  if (review.isError) {
    if (hasNoDraft(review.error)) return null;
    return (
      <ErrorMessage error={review.error} title="The machine-written draft could not be loaded." />
    );
  }

  const draft = review.data;
  return (
    <section
      aria-labelledby="rubric-draft-title"
      data-testid="rubric-draft"
      className="space-y-3 rounded-lg border-2 border-dashed border-amber-400 bg-white p-4 sm:p-6 dark:border-amber-600 dark:bg-slate-900"
    >
      <h2
        id="rubric-draft-title"
        className="flex flex-wrap items-center gap-2 text-lg font-semibold"
      >
        Machine-written review draft <JobStatusBadge status={draft.status} />
      </h2>
      <p className="text-sm text-amber-900 dark:text-amber-200">
        A language model{draft.model !== "" ? ` (${draft.model})` : ""} wrote this draft from the
        lab&apos;s rubric. It is not a peer review: it does not count towards the reviews this
        submission needs and moves no points. Check each point before you use it.
      </p>
      {(draft.status === "queued" || draft.status === "running") && (
        <WorkingBar label="Writing the draft" />
      )}
      {draft.status === "failed" && (
        <ErrorMessage
          error={new Error(draft.error !== "" ? draft.error : "The model request failed.")}
          title="The draft could not be written."
        />
      )}
      {draft.status === "done" && (
        <>
          {draft.total !== undefined && (
            <p className="text-sm font-medium">
              Total: {draft.total}
              {draft.max_total !== undefined ? ` of ${draft.max_total}` : ""}
            </p>
          )}
          <dl className="space-y-2 text-sm">
            {draft.scores.map((score) => (
              <div key={score.criterion}>
                <dt className="font-medium">
                  {score.criterion}: {score.score}
                  {draft.scale !== undefined ? ` (${draft.scale.min} to ${draft.scale.max})` : ""}
                </dt>
                <dd className="text-slate-700 dark:text-slate-300">{score.justification}</dd>
              </div>
            ))}
          </dl>
          {draft.summary !== "" && <p className="text-sm">{draft.summary}</p>}
        </>
      )}
    </section>
  );
}
