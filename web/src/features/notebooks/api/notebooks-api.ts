import { apiRequest } from "@/lib/api-client";

/** A stored notebook as GET /notebooks lists it. */
export interface StoredNotebook {
  id: number;
  title: string;
  owner_id: number;
  cells?: { id: string; code: string }[];
}

export type NotebookParent = { lab: number } | { article: number };

export async function listNotebooks(parent: NotebookParent): Promise<StoredNotebook[]> {
  const body = await apiRequest<{ items?: StoredNotebook[] }>("/notebooks", { query: parent });
  return body.items ?? [];
}

export function getNotebook(id: number): Promise<StoredNotebook> {
  return apiRequest<StoredNotebook>(`/notebooks/${String(id)}`);
}

/** Replaces the code of one stored cell (the author's save). */
export function saveCellCode(notebookId: number, cellId: string, code: string): Promise<unknown> {
  return apiRequest(`/notebooks/${String(notebookId)}/cells/${encodeURIComponent(cellId)}`, {
    method: "PATCH",
    body: { code },
  });
}

/** Stores the learner's edited notebook as their own copy of the original. */
export function saveCopy(notebookId: number, source: string): Promise<StoredNotebook> {
  return apiRequest<StoredNotebook>(`/notebooks/${String(notebookId)}/copies`, {
    method: "POST",
    body: { source },
  });
}
