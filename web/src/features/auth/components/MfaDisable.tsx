import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";
import { hasErrors, type FieldErrors } from "@/lib/validation";

import { authApi } from "../api/auth-api";

interface MfaDisableProps {
  onDisabled: () => void;
}

export function MfaDisable({ onDisabled }: MfaDisableProps) {
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const disable = useMutation({
    mutationFn: () => authApi.disableMfa(password, code.replace(/\s/g, "")),
    onSuccess: onDisabled,
  });

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (password === "") found.password = "Enter your password.";
    if (code.trim() === "") found.code = "Enter a code from the app or a recovery code.";
    setErrors(found);
    if (!hasErrors(found)) {
      disable.mutate();
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      <p className="text-sm">Two-factor authentication is on for this account.</p>
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(event) => {
          setPassword(event.target.value);
        }}
        error={errors.password}
      />
      <TextField
        label="Code from the app"
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onChange={(event) => {
          setCode(event.target.value);
        }}
        error={errors.code}
      />
      <ErrorMessage error={disable.error} />
      <Button type="submit" variant="danger" busy={disable.isPending}>
        Turn off two-factor authentication
      </Button>
    </form>
  );
}
