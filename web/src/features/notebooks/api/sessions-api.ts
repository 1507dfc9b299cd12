import { apiRequest } from "@/lib/api-client";
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
