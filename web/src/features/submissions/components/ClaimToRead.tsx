import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
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
