import { useState } from "react";

import { Button } from "@/components/ui/Button";

import { useSessionActions } from "../hooks/useSessionActions";

interface SignOutButtonProps {
  onSignedOut: () => void;
}

export function SignOutButton({ onSignedOut }: SignOutButtonProps) {
  const { end } = useSessionActions();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="ghost"
      busy={busy}
      onClick={() => {
        setBusy(true);
        void end().then(onSignedOut);
      }}
    >
      Sign out
    </Button>
  );
}
