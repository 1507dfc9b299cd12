import { describeError } from "@/lib/api-error";

interface ErrorMessageProps {
  error: unknown;
  title?: string;
}

/** Shows an error in words, announced to screen readers. */
export function ErrorMessage({ error, title }: ErrorMessageProps) {
  if (error === null || error === undefined) {
    return null;
  }
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
    >
      {title !== undefined && <p className="font-medium">{title}</p>}
      <p>{describeError(error)}</p>
    </div>
  );
}
