import { apiBase, withSessionRetry } from "./api-client";
import { errorFromBody, networkError } from "./api-error";

/**
 * Fetches a private file (a submission file or a review attachment) with the access token,
 * because a plain link cannot send the Authorization header. `url` is an /api/v1/… path.
 */
export async function fetchPrivateFile(url: string): Promise<Blob> {
  const path = url.startsWith(apiBase) ? url : `${apiBase}${url}`;
  const response = await withSessionRetry(async (accessToken) => {
    try {
      return await fetch(path, {
        headers: accessToken === undefined ? {} : { Authorization: `Bearer ${accessToken}` },
      });
    } catch {
      throw networkError();
    }
  });
  if (!response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw errorFromBody(response.status, body);
  }
  return response.blob();
}

/** Saves a blob under `filename` through the browser's download prompt. */
export function saveBlob(blob: Blob, filename: string) {
  const objectUrl = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = objectUrl;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(objectUrl);
  }, 10_000);
}
