import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";

import { authApi } from "../api/auth-api";
import { useSessionActions } from "../hooks/useSessionActions";

interface TotpStepProps {
  mfaToken: string;
  onSignedIn: () => void;
  onCancel: () => void;
}

/** The second sign-in step: a code from the authenticator app, or a recovery code. */
export function TotpStep({ mfaToken, onSignedIn, onCancel }: TotpStepProps) {
  const { start } = useSessionActions();
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | undefined>();
  const verify = useMutation({
    mutationFn: () => authApi.completeMfaLogin(mfaToken, code.replace(/\s/g, "")),
    onSuccess: (session) => {
      start(session);
      onSignedIn();
    },
  });

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    if (code.trim() === "") {
      setError("Enter the 6-digit code from your authenticator app, or a recovery code.");
      return;
    }
    setError(undefined);
    verify.mutate();
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <p className="text-sm">
        This account uses two-factor authentication. Enter the code that your authenticator app
        shows, or one of your recovery codes.
      </p>
      <TextField
        label="Authentication code"
        inputMode="numeric"
        autoComplete="one-time-code"
        autoFocus
        value={code}
        onChange={(event) => {
          setCode(event.target.value);
        }}
        error={error}
        required
      />
      <ErrorMessage error={verify.error} />
      <div className="flex gap-2">
        <Button type="submit" busy={verify.isPending} className="flex-1">
          Verify
        </Button>
        <Button variant="secondary" onClick={onCancel}>
          Back
        </Button>
      </div>
    </form>
  );
}
