import { useState } from "react";

const keyPrefix = "openlabs.draft.";

/**
 * Names a draft: the signed-in user and the form it belongs to, or undefined while the user is
 * unknown. Drafts of one user are never offered to another who signs in on the same tab.
 */
export function draftKey(userId: number | undefined, form: string): string | undefined {
  return userId === undefined ? undefined : `${String(userId)}:${form}`;
}

function read<T extends object>(key: string): Partial<T> | undefined {
  try {
    const raw = window.sessionStorage.getItem(keyPrefix + key);
    if (raw === null) {
      return undefined;
    }
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

// A form with nothing typed has no draft, so emptying it (or an editor echoing the cleared
// value back) leaves nothing to restore.
function isBlank(value: object): boolean {
  return Object.values(value).every(
    (field) => field === "" || (Array.isArray(field) && field.length === 0),
  );
}

function write(key: string, value: object) {
  try {
    if (isBlank(value)) {
      window.sessionStorage.removeItem(keyPrefix + key);
      return;
    }
    window.sessionStorage.setItem(keyPrefix + key, JSON.stringify(value));
  } catch {
    // A full or disabled storage only costs the draft, never the typing.
  }
}

/** Returns whether a draft is stored under `key`. */
export function hasDraft(key: string | undefined): boolean {
  return key !== undefined && read(key) !== undefined;
}

export interface Draft<T extends object> {
  value: T;
  /** Whether `value` came from storage, as after signing in again when the session expired. */
  restored: boolean;
  change: (next: Partial<T>) => void;
  /** Forgets the stored draft and empties the form, for after a successful send. */
  clear: () => void;
}

/**
 * Keeps a form's typed values in sessionStorage under `key`, so that they survive the sign-in
 * page that an expired session leads to, and a reload. Storage is
 * per tab and ends with it. Files cannot be stored, so forms keep only their names.
 */
export function useDraft<T extends object>(key: string | undefined, empty: T): Draft<T> {
  const [state, setState] = useState(() => load(key, empty));
  // The key is undefined until the user's id has loaded, so the draft is read when it changes.
  // Text typed before that stays unless a stored draft replaces it.
  if (state.key !== key) {
    const loaded = load(key, empty);
    setState(loaded.restored ? loaded : { ...state, key });
  }

  const change = (next: Partial<T>) => {
    const value = { ...state.value, ...next };
    setState({ ...state, value });
    if (key !== undefined) {
      write(key, value);
    }
  };
  const clear = () => {
    if (key !== undefined) {
      window.sessionStorage.removeItem(keyPrefix + key);
    }
    setState({ key, value: empty, restored: false });
  };
  return { value: state.value, restored: state.restored, change, clear };
}

function load<T extends object>(key: string | undefined, empty: T) {
  const stored = key === undefined ? undefined : read<T>(key);
  return { key, value: { ...empty, ...stored }, restored: stored !== undefined };
}
