import { ApiError, describeFieldViolation } from "./api-error";

/** Field name to message; empty when the form is valid. */
export type FieldErrors = Record<string, string>;

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** The same username rule the server applies. */
export function checkUsername(username: string): string | undefined {
  if (username.length < 3 || username.length > 32) {
    return "Use 3 to 32 characters.";
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(username)) {
    return "Use letters, digits, '_', '.' and '-', starting with a letter or digit.";
  }
  return undefined;
}

export function checkEmail(email: string): string | undefined {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) ? undefined : "Enter an email address.";
}

export function checkPassword(password: string): string | undefined {
  return password.length >= 8 ? undefined : "Use at least 8 characters.";
}

/**
 * Merges the client-side errors with the field details of a server error, so that each field
 * shows one message, written as a whole sentence.
 */
export function mergeFieldErrors(local: FieldErrors, serverError: unknown): FieldErrors {
  if (!(serverError instanceof ApiError)) {
    return local;
  }
  const merged: FieldErrors = { ...local };
  for (const detail of serverError.details) {
    merged[detail.field] ??= describeFieldViolation(detail);
  }
  return merged;
}
