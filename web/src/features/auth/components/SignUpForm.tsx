import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";
import {
  checkEmail,
  checkPassword,
  checkUsername,
  hasErrors,
  mergeFieldErrors,
  type FieldErrors,
} from "@/lib/validation";

import { authApi, type RegisterInput } from "../api/auth-api";
import { useSessionActions } from "../hooks/useSessionActions";

interface SignUpFormProps {
  onSignedUp: () => void;
}

function validate(input: RegisterInput, confirmation: string): FieldErrors {
  const errors: FieldErrors = {};
  const username = checkUsername(input.username);
  const email = checkEmail(input.email);
  const password = checkPassword(input.password);
  if (username !== undefined) errors.username = username;
  if (email !== undefined) errors.email = email;
  if (password !== undefined) errors.password = password;
  if (confirmation !== input.password) errors.confirmation = "The passwords do not match.";
  return errors;
}

export function SignUpForm({ onSignedUp }: SignUpFormProps) {
  const { start } = useSessionActions();
  const [input, setInput] = useState<RegisterInput>({
    username: "",
    email: "",
    password: "",
    name: "",
    surname: "",
  });
  const [confirmation, setConfirmation] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const register = useMutation({
    mutationFn: authApi.register,
    onSuccess: (session) => {
      start(session);
      onSignedUp();
    },
  });

  const fieldErrors = mergeFieldErrors(errors, register.error);
  const update = (field: keyof RegisterInput) => (value: string) => {
    setInput((previous) => ({ ...previous, [field]: value }));
  };

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found = validate(input, confirmation);
    setErrors(found);
    if (!hasErrors(found)) {
      register.mutate(input);
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <TextField
        label="Username"
        autoComplete="username"
        value={input.username}
        onChange={(event) => {
          update("username")(event.target.value);
        }}
        error={fieldErrors.username}
        hint="3 to 32 letters, digits, '_', '.' or '-'."
        required
      />
      <TextField
        label="Email"
        type="email"
        autoComplete="email"
        value={input.email}
        onChange={(event) => {
          update("email")(event.target.value);
        }}
        error={fieldErrors.email}
        required
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="First name (optional)"
          autoComplete="given-name"
          value={input.name}
          onChange={(event) => {
            update("name")(event.target.value);
          }}
          error={fieldErrors.name}
        />
        <TextField
          label="Last name (optional)"
          autoComplete="family-name"
          value={input.surname}
          onChange={(event) => {
            update("surname")(event.target.value);
          }}
          error={fieldErrors.surname}
        />
      </div>
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        value={input.password}
        onChange={(event) => {
          update("password")(event.target.value);
        }}
        error={fieldErrors.password}
        hint="At least 8 characters."
        required
      />
      <TextField
        label="Repeat the password"
        type="password"
        autoComplete="new-password"
        value={confirmation}
        onChange={(event) => {
          setConfirmation(event.target.value);
        }}
        error={fieldErrors.confirmation}
        required
      />
      <ErrorMessage error={register.error} />
      <Button type="submit" busy={register.isPending} className="w-full">
        Create account
      </Button>
    </form>
  );
}
