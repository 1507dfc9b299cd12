import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { ApiError } from "@/lib/api-error";
import { formatDateTime, localizeTimestamps } from "@/lib/format";

import type { Submission } from "../api/submissions-api";
import { useClaim } from "../hooks/queries";

interface ClaimControlsProps {
  submission: Submission;
  userId: number;
}

/**
 * Claims a submission for review (a lease, so two reviewers do not do the same work) or releases
 * it. The Claim button shows only when the server reports that the caller may claim it.
 */
export function ClaimControls({ submission, userId }: ClaimControlsProps) {
  const { claim, release } = useClaim(submission.id);
  const mine = submission.status === "in_review" && submission.claimed_by === userId;
  const taken = submission.status === "in_review" && submission.claimed_by !== userId;
  // A 409 means that another reviewer has the claim, or that the submission was decided or
  // already reviewed by the caller, so claiming again cannot succeed.
  const claimClosed = claim.error instanceof ApiError && claim.error.status === 409;
  const error = claim.error ?? release.error;

  return (
    <div className="space-y-2" data-testid="claim-controls">
      {mine && submission.claim_expires_at !== undefined && (
        <p className="text-sm">
          You hold this submission until {formatDateTime(submission.claim_expires_at)}.
        </p>
      )}
      {taken && <p className="text-sm">Another reviewer is working on this submission.</p>}
      {submission.may_claim && submission.status === "submitted" && !claimClosed && (
        <Button
          busy={claim.isPending}
          onClick={() => {
            claim.mutate();
          }}
        >
          Claim for review
        </Button>
      )}
      {mine && (
        <Button
          variant="secondary"
          busy={release.isPending}
          onClick={() => {
            release.mutate();
          }}
        >
          Release
        </Button>
      )}
      <ErrorMessage
        error={error instanceof Error ? new Error(localizeTimestamps(error.message)) : error}
      />
    </div>
  );
}
