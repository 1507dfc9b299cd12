import { Link, useNavigate, useParams } from "react-router";

import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { LabTitle } from "@/features/labs";
import {
  ReviewList,
  StatusBadge,
  SubmissionBody,
  useDeleteSubmission,
  useSubmission,
} from "@/features/submissions";
import { useMe, UserLink } from "@/features/users";
import { formatDateTime } from "@/lib/format";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";
import { Section } from "./Section";
import { SubmissionTests } from "./SubmissionGrading";
import type { SubmissionsPageState } from "./SubmissionsPage";

/** Shows a learner's submission: status, text, files and the reviews received. */
export function SubmissionPage() {
  const id = parseId(useParams().id);
  const submission = useSubmission(id);
  const remove = useDeleteSubmission(id);
  const { data: me } = useMe();
  const navigate = useNavigate();
  useDocumentTitle(`Submission #${id}`);
  if (submission.isPending) return <Loading label="Loading the submission…" />;
  if (submission.isError) return <LoadErrorPage thing="submission" error={submission.error} />;
  const data = submission.data;
  const mine = me?.id === data.learner_id;

  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold">Submission #{data.id}</h1>
        <p className="flex flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
          <StatusBadge status={data.status} />
          to{" "}
          <Link to={`/labs/${data.lab_id}`} className="underline">
            <LabTitle id={data.lab_id} />
          </Link>{" "}
          · {formatDateTime(data.created_at)} · cost {data.cost_points} point
          {data.cost_points === 1 ? "" : "s"}
          {data.final_score !== undefined && ` · final score ${data.final_score}`}
        </p>
        {mine && data.status === "rejected" && (
          <p className="text-sm">
            The reviewers rejected this answer.{" "}
            <Link to={`/labs/${data.lab_id}/submit`} className="font-medium underline">
              Submit again
            </Link>{" "}
            with their feedback in mind.
          </p>
        )}
        {mine && data.reviews_count === 0 && data.status === "submitted" && (
          <ConfirmButton
            label="Delete submission"
            question="Delete this submission? Its points are refunded unless the automatic tests have already started on it."
            confirmLabel="Delete submission"
            busy={remove.isPending}
            onConfirm={() => {
              remove.mutate(undefined, {
                onSuccess: (deletion) => {
                  // The list page shows whether the points came back.
                  const state: SubmissionsPageState = { notice: deletion.message };
                  void navigate("/submissions", { state });
                },
              });
            }}
          />
        )}
        <ErrorMessage error={remove.error} />
      </header>
      <Section id="answer" title="Answer">
        <SubmissionBody submission={data} />
      </Section>
      <SubmissionTests labId={data.lab_id} submissionId={data.id} />
      <Section
        id="reviews"
        title={`Reviews (${data.reviews_count} of ${data.required_reviews} needed)`}
      >
        <ReviewList
          submissionId={data.id}
          reviews={data.reviews}
          canRate={mine}
          renderReviewer={(reviewerId) => <UserLink id={reviewerId} />}
        />
      </Section>
    </div>
  );
}
