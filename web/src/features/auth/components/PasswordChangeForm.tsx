import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextField } from "@/components/ui/Field";
import { Notice } from "@/components/ui/Notice";
import { checkPassword, hasErrors, mergeFieldErrors, type FieldErrors } from "@/lib/validation";

import { authApi } from "../api/auth-api";

export function PasswordChangeForm() {
  const [oldPassword, setOldPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const change = useMutation({
    mutationFn: () => authApi.changePassword(oldPassword, newPassword),
    onSuccess: () => {
      setOldPassword("");
      setNewPassword("");
      setConfirmation("");
    },
  });
  const fieldErrors = mergeFieldErrors(errors, change.error);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (oldPassword === "") found.old_password = "Enter your current password.";
    const weak = checkPassword(newPassword);
    if (weak !== undefined) found.new_password = weak;
    if (confirmation !== newPassword) found.confirmation = "The passwords do not match.";
    setErrors(found);
    if (!hasErrors(found)) {
      change.mutate();
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={oldPassword}
        onChange={(event) => {
          setOldPassword(event.target.value);
        }}
        error={fieldErrors.old_password}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={newPassword}
        onChange={(event) => {
          setNewPassword(event.target.value);
        }}
        error={fieldErrors.new_password}
        hint="At least 8 characters."
      />
      <TextField
        label="Repeat the new password"
        type="password"
        autoComplete="new-password"
        value={confirmation}
        onChange={(event) => {
          setConfirmation(event.target.value);
        }}
        error={fieldErrors.confirmation}
      />
      <ErrorMessage error={change.error} />
      {change.isSuccess && <Notice>Your password has been changed.</Notice>}
      <Button type="submit" busy={change.isPending}>
        Change password
      </Button>
    </form>
  );
}
