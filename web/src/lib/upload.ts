import { apiUrl, withSessionRetry } from "./api-client";
import { errorFromBody, networkError } from "./api-error";

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface UploadOptions {
  method?: "POST" | "PUT" | "PATCH";
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

interface XhrResult {
  status: number;
  text: string;
}

function sendOnce(
  url: string,
  form: FormData,
  options: UploadOptions,
  accessToken: string | undefined,
): Promise<XhrResult> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(options.method ?? "POST", url);
    request.setRequestHeader("Accept", "application/json");
    if (accessToken !== undefined) {
      request.setRequestHeader("Authorization", `Bearer ${accessToken}`);
    }
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        options.onProgress?.({ loaded: event.loaded, total: event.total });
      }
    });
    request.addEventListener("load", () => {
      resolve({ status: request.status, text: request.responseText });
    });
    request.addEventListener("error", () => {
      reject(networkError());
    });
    request.addEventListener("abort", () => {
      reject(new DOMException("The upload was cancelled.", "AbortError"));
    });
    options.signal?.addEventListener("abort", () => {
      request.abort();
    });
    request.send(form);
  });
}

/**
 * Sends a multipart form with XMLHttpRequest, because fetch() reports no upload progress.
 * Shares the refresh-on-401 logic of the JSON client.
 */
export async function uploadForm<T>(
  path: string,
  form: FormData,
  options: UploadOptions = {},
): Promise<T> {
  const url = apiUrl(path);
  const result = await withSessionRetry((accessToken) => sendOnce(url, form, options, accessToken));
  let body: unknown;
  try {
    body = result.text === "" ? undefined : JSON.parse(result.text);
  } catch {
    body = undefined;
  }
  if (result.status < 200 || result.status >= 300) {
    throw errorFromBody(result.status, body);
  }
  return body as T;
}

/**
 * Splits the bytes sent of one multipart body across its files, in order, so each file gets
 * its own progress bar. The multipart headers are small, so the split is close but not exact.
 */
export function splitProgress(loaded: number, sizes: readonly number[]): number[] {
  let remaining = loaded;
  return sizes.map((size) => {
    const sent = Math.min(size, Math.max(0, remaining));
    remaining -= size;
    return sent;
  });
}
