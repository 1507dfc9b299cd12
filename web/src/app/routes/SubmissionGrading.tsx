import { GradingResults, RubricReviewDraft } from "@/features/grading";
import { useLabForTitle } from "@/features/labs";

import { Section } from "./Section";

// The lab's grading setup comes with the lab that the page reads for its title anyway, so that
// a lab without a grader or drafts costs no request that the server would reject with an error.

/** Renders the "Automatic tests" section of a submission's page. */
export function SubmissionTests({ labId, submissionId }: { labId: number; submissionId: number }) {
  const lab = useLabForTitle(labId);
  return (
    <Section id="tests" title="Automatic tests">
      {!lab.isPending && (
        <GradingResults submissionId={submissionId} labHadGrader={lab.data?.grading?.had_grader} />
      )}
    </Section>
  );
}

/** Renders the machine-written review draft of a submission, for its reviewers. */
export function SubmissionDraft({ labId, submissionId }: { labId: number; submissionId: number }) {
  const lab = useLabForTitle(labId);
  if (lab.isPending) return null;
  return (
    <RubricReviewDraft submissionId={submissionId} labHasDrafts={lab.data?.grading?.has_drafts} />
  );
}
