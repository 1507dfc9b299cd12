/** The access and refresh tokens of the signed-in user. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

const storageKey = "openlabs.session";

type Listener = () => void;
const listeners = new Set<Listener>();
let current: TokenPair | null = load();
// Set when the server rejected the refresh token, so that the sign-in page can show the reason.
let expired = false;

function load(): TokenPair | null {
  try {
    const raw = window.localStorage.getItem(storageKey);
    if (raw === null) {
      return null;
    }
    const parsed = JSON.parse(raw) as Partial<TokenPair>;
    if (typeof parsed.accessToken !== "string" || typeof parsed.refreshToken !== "string") {
      return null;
    }
    return { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken };
  } catch {
    return null;
  }
}

function notify() {
  for (const listener of listeners) {
    listener();
  }
}

/**
 * Keeps the token pair in memory and in localStorage, so a reload stays signed in, and follows
 * changes made by other tabs (a refresh in one tab rotates the pair for all of them).
 */
export const tokenStore = {
  get: (): TokenPair | null => {
    return current;
  },

  set: (pair: TokenPair) => {
    current = pair;
    expired = false;
    window.localStorage.setItem(storageKey, JSON.stringify(pair));
    notify();
  },

  /** Forgets the pair. The reason "expired" marks a session that the server ended. */
  clear: (reason: "signed-out" | "expired" = "signed-out") => {
    current = null;
    expired = reason === "expired";
    window.localStorage.removeItem(storageKey);
    notify();
  },

  /** Whether the last session ended because the server rejected its refresh token. */
  expired: (): boolean => expired,

  subscribe: (listener: Listener): (() => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

window.addEventListener("storage", (event) => {
  if (event.key !== storageKey) {
    return;
  }
  current = load();
  notify();
});
