import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { ApiError } from "@/lib/api-error";
import { formatDuration } from "@/lib/format";
import { usePlatformConfig } from "@/lib/platform-config";

import { useClaim } from "../hooks/queries";

/**
 * Claim button shown in place of a submission that the caller may review but not read yet. The
 * server opens a submission to a reviewer other than the lab's author only after the claim.
 */
export function ClaimToRead({ submissionId }: { submissionId: number }) {
  const { claim } = useClaim(submissionId);
  const lease = usePlatformConfig().data?.reviews.claim_lease_seconds;
  // The server returns 404 both for a missing submission and for one the caller may not review,
  // so that it does not reveal which submissions exist.
  if (claim.error instanceof ApiError && claim.error.status === 404) {
    return (
      <div
        role="alert"
        className="space-y-1 rounded-lg border border-slate-200 p-4 text-sm dark:border-slate-700"
      >
        <p className="font-medium">You cannot review this submission.</p>
        <p>
          Either it does not exist, or you are not one of its reviewers: the lab's author,
          moderators, and learners whose own submission to the lab was accepted. Open submissions
          you may review are listed on the Reviews page.
        </p>
      </div>
    );
  }
  return (
    <div className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-700">
      <p className="text-sm">
        Claim this submission to read it and write your review.
        {lease !== undefined && ` The claim keeps it for you for ${formatDuration(lease)}.`}
      </p>
      <Button
        busy={claim.isPending}
        onClick={() => {
          claim.mutate();
        }}
      >
        Claim for review
      </Button>
      <ErrorMessage error={claim.error} title="The submission could not be claimed." />
    </div>
  );
}
