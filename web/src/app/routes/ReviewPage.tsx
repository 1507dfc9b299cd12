import { useState } from "react";
import { Link, useParams } from "react-router";

import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { Notice } from "@/components/ui/Notice";
import { LabTitle } from "@/features/labs";
import {
  ClaimControls,
  ClaimToRead,
  ReviewForm,
  StatusBadge,
  SubmissionBody,
  useSubmission,
} from "@/features/submissions";
import { useMe } from "@/features/users";
import { ApiError } from "@/lib/api-error";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";
import { Section } from "./Section";
import { SubmissionDraft, SubmissionTests } from "./SubmissionGrading";

// The server hides a submission from reviewers who have not claimed it yet, as if it did not exist.
const isHidden = (error: unknown) => error instanceof ApiError && error.status === 404;

/** Shows a submission to its reviewer, with claim and release and the review form. */
export function ReviewPage() {
  const id = parseId(useParams().id);
  const submission = useSubmission(id);
  const { data: me } = useMe();
  const [earned, setEarned] = useState<number | null>(null);
  useDocumentTitle(`Review submission #${id}`);
  if (submission.isPending || me === undefined) return <Loading label="Loading the submission…" />;
  if (submission.isError && isHidden(submission.error))
    return (
      <div className="space-y-6">
        <h1 className="text-2xl font-bold">Review submission #{id}</h1>
        <ClaimToRead submissionId={id} />
      </div>
    );
  if (submission.isError) return <LoadErrorPage thing="submission" error={submission.error} />;
  const data = submission.data;
  const holdsClaim = data.status === "in_review" && data.claimed_by === me.id;

  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold">Review submission #{data.id}</h1>
        <p className="flex flex-wrap items-center gap-2 text-sm">
          <StatusBadge status={data.status} /> to{" "}
          <Link to={`/labs/${data.lab_id}`} className="underline">
            <LabTitle id={data.lab_id} />
          </Link>
        </p>
        {earned === null && <ClaimControls submission={data} userId={me.id} />}
      </header>
      <Section id="answer" title="Answer">
        <SubmissionBody submission={data} />
      </Section>
      <SubmissionTests labId={data.lab_id} submissionId={data.id} />
      {/* The server keeps the draft from the submission's learner. */}
      {data.learner_id !== me.id && <SubmissionDraft labId={data.lab_id} submissionId={data.id} />}
      {earned !== null ? (
        <Notice>Your review was sent. You earned {earned} points.</Notice>
      ) : (
        holdsClaim && (
          <Section id="review" title="Your review">
            <ReviewForm submissionId={data.id} userId={me.id} onReviewed={setEarned} />
          </Section>
        )
      )}
      {earned === null && !holdsClaim && data.status === "submitted" && (
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="claim-hint">
          {data.may_claim
            ? "Claim the submission to write a review."
            : "You cannot review this submission: its reviewers are the lab's author, moderators and learners whose own submission to the lab was accepted, and nobody reviews their own submission or one they have reviewed already."}
        </p>
      )}
    </div>
  );
}
