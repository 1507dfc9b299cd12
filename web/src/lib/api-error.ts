/** One invalid field of a request, as the server reports it. */
export interface FieldViolation {
  field: string;
  message: string;
}

// Field names whose plain reading would confuse: the PDF field contains the uploaded file.
const fieldNouns: Record<string, string> = {
  pdf: "file",
  old_password: "current password",
};

/**
 * Turns a field violation into a sentence. The server writes the predicate alone ("is already
 * taken", "must be at most 200 characters"), so the field's name becomes the subject: "The
 * username is already taken." Messages that are sentences already are only capitalized.
 */
export function describeFieldViolation({ field, message }: FieldViolation): string {
  const text = message.trim().replace(/\.$/, "");
  const noun = fieldNouns[field] ?? field.replace(/[_.]+/g, " ").trim();
  if (/^(is|are|must|has|have|was|does|cannot|can't|should|needs?) /.test(text) && noun !== "") {
    return `The ${noun} ${text}.`;
  }
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** The error body every API route returns: `{"error": {code, message, details}}`. */
interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

const statusMessages: Record<number, string> = {
  400: "The request was not valid.",
  401: "You need to sign in first.",
  402: "You do not have enough points for this.",
  403: "You are not allowed to do this.",
  404: "This was not found. It may have been deleted.",
  409: "This conflicts with a change made elsewhere. Reload and try again.",
  413: "The file is too large.",
  415: "This file type is not accepted.",
  422: "The upload was rejected because its content is not valid.",
  429: "Too many attempts. Wait a moment and try again.",
  502: "The server is not available right now. Try again in a minute.",
  503: "The server is not available right now. Try again in a minute.",
  504: "The server took too long to respond. Try again.",
};

/**
 * An error from the API or from the network, with a message written for the person using the
 * app. `status` is 0 when the server could not be reached.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldViolation[];

  constructor(status: number, code: string, message: string, details: FieldViolation[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Returns the server's message for one field, if it reported one. */
  fieldMessage(field: string): string | undefined {
    return this.details.find((detail) => detail.field === field)?.message;
  }
}

export function networkError(): ApiError {
  return new ApiError(
    0,
    "network",
    "Could not reach the server. Check your connection and try again.",
  );
}

export function fallbackMessage(status: number): string {
  if (status in statusMessages) {
    return statusMessages[status] ?? "";
  }
  if (status >= 500) {
    return "The server failed to handle the request. Try again later.";
  }
  return `The request failed (HTTP ${status}).`;
}

function parseDetails(value: unknown): FieldViolation[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) {
      return [];
    }
    const { field, message } = item as Record<string, unknown>;
    if (typeof field !== "string" || typeof message !== "string") {
      return [];
    }
    return [{ field, message }];
  });
}

/** Builds an ApiError from an HTTP status and the parsed response body (if any). */
export function errorFromBody(status: number, body: unknown): ApiError {
  const error = (body as ErrorBody | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message =
    typeof error?.message === "string" && error.message !== ""
      ? error.message
      : fallbackMessage(status);
  return new ApiError(status, code, message, parseDetails(error?.details));
}

/** Turns any thrown value into words a person can read. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError && error.details.length > 0) {
    return error.details.map(describeFieldViolation).join(" ");
  }
  if (error instanceof ApiError) {
    return error.message;
  }
  if (error instanceof Error && error.message !== "") {
    return error.message;
  }
  return "Something went wrong. Try again.";
}

/** The heading for a page whose `thing` ("Lab", "Article") failed to load with `error`. */
export function loadErrorHeading(thing: string, error: unknown): string {
  if (error instanceof ApiError && error.status === 404) {
    return `${thing} not found`;
  }
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    return `${thing} not available to you`;
  }
  return `${thing} could not be loaded`;
}
