import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { apiRequest, apiUrl, onSessionExpired, refreshSession } from "./api-client";
import { ApiError } from "./api-error";
import { tokenStore } from "./token-store";

interface RecordedCall {
  url: string;
  method: string;
  authorization: string | null;
  body: unknown;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

const unauthorized = () =>
  jsonResponse(401, {
    error: { code: "unauthenticated", message: "The access token has expired.", details: [] },
  });

/** Replaces fetch with a script of responses and records what the client sent. */
function scriptFetch(responses: ((call: RecordedCall) => Response)[]): RecordedCall[] {
  const calls: RecordedCall[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn((input: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      const call: RecordedCall = {
        url: input,
        method: init.method ?? "GET",
        authorization: headers.get("Authorization"),
        body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      };
      calls.push(call);
      const next = responses.shift();
      if (next === undefined) {
        throw new Error(`unexpected request ${call.method} ${call.url}`);
      }
      return Promise.resolve(next(call));
    }),
  );
  return calls;
}

beforeEach(() => {
  tokenStore.set({ accessToken: "access-1", refreshToken: "refresh-1" });
});

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.clear();
});

describe("apiRequest", () => {
  it("sends the access token", async () => {
    const calls = scriptFetch([() => jsonResponse(200, { id: 7 })]);

    const body = await apiRequest<{ id: number }>("/users/me");

    expect(body.id).toBe(7);
    expect(calls[0]?.authorization).toBe("Bearer access-1");
    expect(calls[0]?.url).toBe("/api/v1/users/me");
  });

  it("refreshes on 401, stores the rotated pair and retries once", async () => {
    const calls = scriptFetch([
      unauthorized,
      () => jsonResponse(200, { access_token: "access-2", refresh_token: "refresh-2" }),
      () => jsonResponse(200, { id: 7 }),
    ]);

    const body = await apiRequest<{ id: number }>("/users/me");

    expect(body.id).toBe(7);
    expect(calls).toHaveLength(3);
    expect(calls[1]?.url).toBe("/api/v1/auth/refresh");
    expect(calls[1]?.body).toEqual({ refresh_token: "refresh-1" });
    expect(calls[2]?.authorization).toBe("Bearer access-2");
    expect(tokenStore.get()).toEqual({ accessToken: "access-2", refreshToken: "refresh-2" });
  });

  it("does not retry a second time when the retry also gets 401", async () => {
    const calls = scriptFetch([
      unauthorized,
      () => jsonResponse(200, { access_token: "access-2", refresh_token: "refresh-2" }),
      unauthorized,
    ]);

    await expect(apiRequest("/users/me")).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(3);
  });

  it("ends the session when the refresh token is rejected", async () => {
    const expired = vi.fn();
    const unsubscribe = onSessionExpired(expired);
    scriptFetch([unauthorized, unauthorized]);

    const failure = apiRequest("/users/me");

    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ code: "session_expired" });
    expect(tokenStore.get()).toBeNull();
    expect(expired).toHaveBeenCalledOnce();
    unsubscribe();
  });

  it("shares one refresh between concurrent requests", async () => {
    const calls = scriptFetch([
      unauthorized,
      unauthorized,
      () => jsonResponse(200, { access_token: "access-2", refresh_token: "refresh-2" }),
      () => jsonResponse(200, { n: 1 }),
      () => jsonResponse(200, { n: 2 }),
    ]);

    await Promise.all([apiRequest("/a"), apiRequest("/b")]);

    const refreshes = calls.filter((call) => call.url === "/api/v1/auth/refresh");
    expect(refreshes).toHaveLength(1);
  });

  it("retries without refreshing when another request already rotated the pair", async () => {
    const calls = scriptFetch([
      () => {
        tokenStore.set({ accessToken: "access-2", refreshToken: "refresh-2" });
        return unauthorized();
      },
      () => jsonResponse(200, { ok: true }),
    ]);

    await apiRequest("/users/me");

    expect(calls).toHaveLength(2);
    expect(calls[1]?.authorization).toBe("Bearer access-2");
  });

  it("keeps the session when the refresh fails with a server error", async () => {
    scriptFetch([() => jsonResponse(503, {})]);

    await expect(refreshSession()).rejects.toMatchObject({ status: 503 });
    expect(tokenStore.get()).not.toBeNull();
  });

  it("turns the error body into an ApiError with field details", async () => {
    scriptFetch([
      () =>
        jsonResponse(400, {
          error: {
            code: "invalid_argument",
            message: "Some fields are invalid.",
            details: [{ field: "username", message: "must be 3 to 32 characters long" }],
          },
        }),
    ]);

    const failure = apiRequest("/auth/register", { method: "POST", body: {} });

    await expect(failure).rejects.toMatchObject({
      status: 400,
      code: "invalid_argument",
      message: "Some fields are invalid.",
    });
    const error = (await failure.catch((caught: unknown) => caught)) as ApiError;
    expect(error.fieldMessage("username")).toBe("must be 3 to 32 characters long");
  });

  it("explains a failure without a JSON body by its status", async () => {
    scriptFetch([() => new Response("bad gateway", { status: 502 })]);

    await expect(apiRequest("/labs")).rejects.toMatchObject({
      status: 502,
      message: "The server is not available right now. Try again in a minute.",
    });
  });

  it("reports a network failure in words", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))),
    );

    await expect(apiRequest("/labs")).rejects.toMatchObject({ status: 0, code: "network" });
  });

  it("sends no Authorization header when signed out", async () => {
    tokenStore.clear();
    const calls = scriptFetch([unauthorized]);

    await expect(apiRequest("/users/me")).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.authorization).toBeNull();
  });
});

describe("apiUrl", () => {
  it("repeats array parameters and skips empty ones", () => {
    expect(apiUrl("/labs", { tags: ["a", "b"], q: "", page: 2, sort: undefined })).toBe(
      "/api/v1/labs?tags=a&tags=b&page=2",
    );
  });
});
