import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextAreaField, TextField } from "@/components/ui/Field";
import { Notice } from "@/components/ui/Notice";
import { hasErrors, mergeFieldErrors, type FieldErrors } from "@/lib/validation";

import type { User } from "../api/users-api";
import { useUpdateProfile } from "../hooks/queries";

interface ProfileFormProps {
  user: User;
}

export function ProfileForm({ user }: ProfileFormProps) {
  const [name, setName] = useState(user.name);
  const [surname, setSurname] = useState(user.surname);
  const [bio, setBio] = useState(user.bio);
  const [errors, setErrors] = useState<FieldErrors>({});
  const update = useUpdateProfile();
  const fieldErrors = mergeFieldErrors(errors, update.error);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    if (name.length > 100) found.name = "Use at most 100 characters.";
    if (surname.length > 100) found.surname = "Use at most 100 characters.";
    if (bio.length > 2000) found.bio = "Use at most 2000 characters.";
    setErrors(found);
    if (!hasErrors(found)) {
      update.mutate({ name: name.trim(), surname: surname.trim(), bio });
    }
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label="First name"
          autoComplete="given-name"
          value={name}
          onChange={(event) => {
            setName(event.target.value);
          }}
          error={fieldErrors.name}
        />
        <TextField
          label="Last name"
          autoComplete="family-name"
          value={surname}
          onChange={(event) => {
            setSurname(event.target.value);
          }}
          error={fieldErrors.surname}
        />
      </div>
      <TextAreaField
        label="Bio"
        rows={4}
        value={bio}
        onChange={(event) => {
          setBio(event.target.value);
        }}
        error={fieldErrors.bio}
        hint={`${bio.length} of 2000 characters.`}
      />
      <ErrorMessage error={update.error} />
      {update.isSuccess && <Notice>Your profile has been saved.</Notice>}
      <Button type="submit" busy={update.isPending}>
        Save profile
      </Button>
    </form>
  );
}
