import { ApiError, errorFromBody, networkError } from "./api-error";
import { tokenStore } from "./token-store";

export const apiBase = "/api/v1";

type QueryValue = string | number | boolean | null | undefined | readonly string[];

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  signal?: AbortSignal;
}

/** The token pair fields of a session response (register, login, refresh). */
export interface SessionTokensBody {
  access_token: string;
  refresh_token: string;
}

type ExpiryListener = () => void;
const expiryListeners = new Set<ExpiryListener>();

/** Registers a callback for when the session ends because its refresh token was rejected. */
export function onSessionExpired(listener: ExpiryListener): () => void {
  expiryListeners.add(listener);
  return () => expiryListeners.delete(listener);
}

/** Stores a new token pair from a register, login or refresh response. */
export function storeSession(body: SessionTokensBody) {
  tokenStore.set({ accessToken: body.access_token, refreshToken: body.refresh_token });
}

/** Builds `/api/v1/<path>?<query>`; array values repeat the parameter. */
export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === "") {
      continue;
    }
    if (Array.isArray(value)) {
      for (const item of value as readonly string[]) {
        params.append(name, item);
      }
      continue;
    }
    params.append(name, String(value));
  }
  const search = params.toString();
  return `${apiBase}${path}${search === "" ? "" : `?${search}`}`;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === "") {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

let refreshInFlight: Promise<boolean> | null = null;

async function exchangeRefreshToken(): Promise<boolean> {
  const pair = tokenStore.get();
  if (pair === null) {
    return false;
  }
  let response: Response;
  try {
    response = await fetch(`${apiBase}/auth/refresh`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: pair.refreshToken }),
    });
  } catch {
    throw networkError();
  }
  if (response.status === 429 || response.status >= 500) {
    throw errorFromBody(response.status, await readJson(response));
  }
  if (!response.ok) {
    // Another tab may have rotated the pair while this request was in flight.
    if (tokenStore.get()?.refreshToken !== pair.refreshToken) {
      return tokenStore.get() !== null;
    }
    tokenStore.clear("expired");
    for (const listener of expiryListeners) {
      listener();
    }
    return false;
  }
  storeSession((await readJson(response)) as SessionTokensBody);
  return true;
}

/**
 * Exchanges the refresh token for a new pair (the server rotates it, so the new pair is stored).
 * Concurrent callers share one exchange. Returns false when the session has ended.
 */
export function refreshSession(): Promise<boolean> {
  refreshInFlight ??= exchangeRefreshToken().finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

/**
 * Runs `send` with the current access token. On a 401 it refreshes the session once and sends
 * again; when another request already rotated the tokens, it only sends again.
 */
export async function withSessionRetry<R extends { status: number }>(
  send: (accessToken: string | undefined) => Promise<R>,
): Promise<R> {
  const usedToken = tokenStore.get()?.accessToken;
  const first = await send(usedToken);
  if (first.status !== 401 || usedToken === undefined) {
    return first;
  }
  const latest = tokenStore.get()?.accessToken;
  const canRetry = latest !== undefined && latest !== usedToken ? true : await refreshSession();
  if (!canRetry) {
    throw new ApiError(401, "session_expired", "Your session has expired. Sign in again.");
  }
  return send(tokenStore.get()?.accessToken);
}

/** Sends one API request and returns the parsed JSON body, or throws an ApiError. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const url = apiUrl(path, options.query);
  const response = await withSessionRetry(async (accessToken) => {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (accessToken !== undefined) {
      headers.Authorization = `Bearer ${accessToken}`;
    }
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    try {
      return await fetch(url, {
        method: options.method ?? "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        throw error;
      }
      throw networkError();
    }
  });
  const body = await readJson(response);
  if (!response.ok) {
    throw errorFromBody(response.status, body);
  }
  return body as T;
}

export const api = {
  get: <T>(path: string, query?: RequestOptions["query"], signal?: AbortSignal) =>
    apiRequest<T>(path, { query, signal }),
  post: <T>(path: string, body?: unknown) =>
    apiRequest<T>(path, { method: "POST", body: body ?? {} }),
  put: <T>(path: string, body?: unknown) =>
    apiRequest<T>(path, { method: "PUT", body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => apiRequest<T>(path, { method: "PATCH", body }),
  delete: <T>(path: string) => apiRequest<T>(path, { method: "DELETE" }),
};
