import { apiRequest } from "@/lib/api-client";

/** A stored notebook as GET /notebooks lists it. */
export interface StoredNotebook {
  id: number;
  title: string;
  owner_id: number;
}

export type NotebookParent = { lab: number } | { article: number };

export async function listNotebooks(parent: NotebookParent): Promise<StoredNotebook[]> {
  const body = await apiRequest<{ items?: StoredNotebook[] }>("/notebooks", { query: parent });
  return body.items ?? [];
}

/** Replaces the stored notebook's cells with those of a marimo file (the owner's save). */
export function replaceSource(notebookId: number, source: string): Promise<unknown> {
  return apiRequest(`/notebooks/${String(notebookId)}/source`, {
    method: "PUT",
    body: { source },
  });
}

/** Stores the learner's edited notebook as their own copy of the original. */
export function saveCopy(notebookId: number, source: string): Promise<StoredNotebook> {
  return apiRequest<StoredNotebook>(`/notebooks/${String(notebookId)}/copies`, {
    method: "POST",
    body: { source },
  });
}
