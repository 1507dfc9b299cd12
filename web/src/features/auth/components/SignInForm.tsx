import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";
import { hasErrors, type FieldErrors } from "@/lib/validation";

import { authApi } from "../api/auth-api";
import { isMfaChallenge } from "../api/types";
import { useSessionActions } from "../hooks/useSessionActions";
import { TotpStep } from "./TotpStep";

interface SignInFormProps {
  onSignedIn: () => void;
}

/** Signs in with a username or email and a password, then asks for a TOTP code if needed. */
export function SignInForm({ onSignedIn }: SignInFormProps) {
  const { start } = useSessionActions();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const signIn = useMutation({
    mutationFn: () => authApi.login(login.trim(), password),
    onSuccess: (response) => {
      if (isMfaChallenge(response)) {
        setMfaToken(response.mfa_token);
        return;
      }
      start(response);
      onSignedIn();
    },
  });

  if (mfaToken !== null) {
    return (
      <TotpStep
        mfaToken={mfaToken}
        onSignedIn={onSignedIn}
        onCancel={() => {
          setMfaToken(null);
          setPassword("");
        }}
      />
    );
  }

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (login.trim() === "") found.login = "Enter your username or email.";
    if (password === "") found.password = "Enter your password.";
    setErrors(found);
    if (!hasErrors(found)) {
      signIn.mutate();
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <TextField
        label="Username or email"
        autoComplete="username"
        value={login}
        onChange={(event) => {
          setLogin(event.target.value);
        }}
        error={errors.login}
        required
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(event) => {
          setPassword(event.target.value);
        }}
        error={errors.password}
        required
      />
      <ErrorMessage error={signIn.error} />
      <Button type="submit" busy={signIn.isPending} className="w-full">
        Sign in
      </Button>
    </form>
  );
}
