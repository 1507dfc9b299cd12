import { apiRequest, apiUrl } from "@/lib/api-client";
import { tokenStore } from "@/lib/token-store";
import { uploadForm } from "@/lib/upload";

/** A cell's output: the value of its last expression with its MIME type. */
export interface CellOutput {
  mime: string;
  data: string;
}

/** The error of a cell's last run, as the kernel reports it. */
export interface CellRunError {
  kind: string;
  message: string;
  traceback: string;
}

export type CellStatus = "queued" | "running" | "done" | "error" | "stale";

/** One cell of a live session, as the server's snapshot and events describe it. */
export interface SessionCell {
  id: string;
  name: string;
  kind: string;
  code: string;
  status: CellStatus;
  duration_ms: number;
  output: CellOutput | null;
  stdout: string;
  stderr: string;
  run_error: CellRunError | null;
  /** A static problem of the cell (a name defined twice, a cycle, a syntax error). */
  error: string | null;
  /**
   * Characters that the page dropped from the start of `stdout` and `stderr` to keep at most
   * `maxStreamChars` of each; the page only, unset from the server.
   */
  dropped_chars?: number;
}

export interface CreatedSession {
  id: string;
  events: string;
  cells: SessionCell[];
}

/** Where a session's notebook comes from: a stored notebook or the text of a marimo file. */
export type NotebookOrigin = { notebookId: number } | { source: string };

export function createSession(origin: NotebookOrigin): Promise<CreatedSession> {
  const body = "notebookId" in origin ? { notebook_id: origin.notebookId } : origin;
  return apiRequest<CreatedSession>("/notebook-sessions", { method: "POST", body });
}

export function endSession(id: string): Promise<void> {
  return apiRequest<undefined>(`/notebook-sessions/${encodeURIComponent(id)}`, {
    method: "DELETE",
  }).then(() => undefined);
}

/**
 * Ends a session while the page unloads. `keepalive` lets the request outlive the page, where
 * the usual request could be cancelled. sendBeacon cannot be used, because it only sends POST
 * and no Authorization header.
 */
export function endSessionOnUnload(id: string) {
  const token = tokenStore.get()?.accessToken;
  void fetch(apiUrl(`/notebook-sessions/${encodeURIComponent(id)}`), {
    method: "DELETE",
    keepalive: true,
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  }).catch(() => undefined);
}

/** A session of the caller that counts towards the per-user limit. */
export interface SessionSummary {
  id: string;
  notebook_id: number | null;
  /** Unix milliseconds. */
  started_at: number;
  /** Unix milliseconds of the last request. */
  last_active_at: number;
  ended: boolean;
}

export interface SessionList {
  items: SessionSummary[];
  max_sessions_per_user: number;
}

export function listSessions(): Promise<SessionList> {
  return apiRequest<SessionList>("/notebook-sessions");
}

/** Changes a cell's code in the session only, and runs it with its dependents. */
export function updateCell(sessionId: string, cellId: string, code: string): Promise<unknown> {
  return apiRequest(
    `/notebook-sessions/${encodeURIComponent(sessionId)}/cells/${encodeURIComponent(cellId)}`,
    { method: "PUT", body: { code, run: true } },
  );
}

export function addCell(sessionId: string, after: string | undefined): Promise<{ cell: string }> {
  return apiRequest(`/notebook-sessions/${encodeURIComponent(sessionId)}/cells`, {
    method: "POST",
    body: after === undefined ? { code: "" } : { code: "", after },
  });
}

export function deleteCell(sessionId: string, cellId: string): Promise<unknown> {
  return apiRequest(
    `/notebook-sessions/${encodeURIComponent(sessionId)}/cells/${encodeURIComponent(cellId)}`,
    { method: "DELETE" },
  );
}

/** The session's notebook in marimo's file format, edits included. */
export function exportSession(sessionId: string): Promise<{ source: string }> {
  return apiRequest(`/notebook-sessions/${encodeURIComponent(sessionId)}/export`);
}

/**
 * Uploads files as a file widget's value. They go through this REST route, not the WebSocket,
 * whose messages are limited to 64 KiB; the server limits one upload to 4 MiB by default.
 */
export function uploadWidgetFiles(sessionId: string, widgetId: string, files: File[]) {
  const form = new FormData();
  for (const file of files) {
    form.append("file", file, file.name);
  }
  return uploadForm<{ request: number }>(
    `/notebook-sessions/${encodeURIComponent(sessionId)}/widgets/${encodeURIComponent(widgetId)}/files`,
    form,
  );
}
