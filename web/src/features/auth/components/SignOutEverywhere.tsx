import { useMutation } from "@tanstack/react-query";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";

import { useSessionActions } from "../hooks/useSessionActions";

interface SignOutEverywhereProps {
  onSignedOut: () => void;
}

export function SignOutEverywhere({ onSignedOut }: SignOutEverywhereProps) {
  const { endEverywhere } = useSessionActions();
  const signOut = useMutation({ mutationFn: endEverywhere, onSuccess: onSignedOut });
  return (
    <div className="space-y-3">
      <p className="text-sm">
        Ends every session of this account, on this device and on all others.
      </p>
      <ErrorMessage error={signOut.error} />
      <Button
        variant="danger"
        busy={signOut.isPending}
        onClick={() => {
          signOut.mutate();
        }}
      >
        Sign out everywhere
      </Button>
    </div>
  );
}
