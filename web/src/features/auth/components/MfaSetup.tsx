import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";

import { authApi } from "../api/auth-api";
import { RecoveryCodes } from "./RecoveryCodes";

interface MfaSetupProps {
  onEnabled: () => void;
}

/** Turns on TOTP: shows the QR code and secret, then confirms a first code. */
export function MfaSetup({ onEnabled }: MfaSetupProps) {
  const [code, setCode] = useState("");
  const [codeError, setCodeError] = useState<string | undefined>();
  const setup = useMutation({ mutationFn: authApi.setupMfa });
  const confirm = useMutation({
    mutationFn: () => authApi.confirmMfa(code.replace(/\s/g, "")),
  });

  // The codes stay on screen until the user confirms saving them; only then does the parent
  // learn that TOTP is on and switch to the "turn off" form.
  if (confirm.data !== undefined) {
    return (
      <div className="space-y-3">
        <RecoveryCodes codes={confirm.data.recovery_codes} />
        <Button onClick={onEnabled}>I have saved the codes</Button>
      </div>
    );
  }
  if (setup.data === undefined) {
    return (
      <div className="space-y-3">
        <p className="text-sm">
          Two-factor authentication asks for a code from an authenticator app at each sign-in.
        </p>
        <ErrorMessage error={setup.error} />
        <Button
          busy={setup.isPending}
          onClick={() => {
            setup.mutate();
          }}
        >
          Set up two-factor authentication
        </Button>
      </div>
    );
  }

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.replace(/\s/g, ""))) {
      setCodeError("Enter the 6-digit code that the app shows.");
      return;
    }
    setCodeError(undefined);
    confirm.mutate();
  };

  const qrSource = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.data.qr_svg)}`;
  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      <p className="text-sm">Scan this QR code with your authenticator app:</p>
      <img
        src={qrSource}
        alt="QR code with the two-factor secret"
        className="h-48 w-48 rounded bg-white p-2"
      />
      <p className="text-sm">
        Or enter this secret by hand:{" "}
        <code className="break-all rounded bg-slate-100 px-1 dark:bg-slate-800">
          {setup.data.secret}
        </code>
      </p>
      <TextField
        label="Code from the app"
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onChange={(event) => {
          setCode(event.target.value);
        }}
        error={codeError}
      />
      <ErrorMessage error={confirm.error} />
      <Button type="submit" busy={confirm.isPending}>
        Turn on
      </Button>
    </form>
  );
}
