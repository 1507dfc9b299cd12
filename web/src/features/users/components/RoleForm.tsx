import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { inputClass, TextField } from "@/components/ui/Field";
import { Notice } from "@/components/ui/Notice";

import { usersApi, type User } from "../api/users-api";

/** Changes a user's role (admins only; the server checks). */
export function RoleForm() {
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<User["role"]>("moderator");
  const [idError, setIdError] = useState<string | undefined>();
  const change = useMutation({ mutationFn: () => usersApi.setRole(Number(userId), role) });

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    if (!/^\d+$/.test(userId.trim())) {
      setIdError("Enter the user's numeric id (shown in their profile address).");
      return;
    }
    setIdError(undefined);
    change.mutate();
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      <TextField
        label="User id"
        inputMode="numeric"
        value={userId}
        onChange={(event) => {
          setUserId(event.target.value);
        }}
        error={idError}
      />
      <div className="space-y-1">
        <label htmlFor="role-choice" className="block text-sm font-medium">
          Role
        </label>
        <select
          id="role-choice"
          className={`${inputClass} max-w-xs`}
          value={role}
          onChange={(event) => {
            setRole(event.target.value as User["role"]);
          }}
        >
          <option value="user">User</option>
          <option value="moderator">Moderator</option>
          <option value="admin">Admin</option>
        </select>
      </div>
      <ErrorMessage error={change.error} />
      {change.isSuccess && (
        <Notice>
          @{change.data.username} is now {change.data.role === "admin" ? "an" : "a"}{" "}
          {change.data.role}.
        </Notice>
      )}
      <Button type="submit" busy={change.isPending}>
        Change role
      </Button>
    </form>
  );
}
