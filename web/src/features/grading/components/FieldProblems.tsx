import { ApiError } from "@/lib/api-error";

/** The server's list of invalid fields in a rejected request, one per line. */
export function FieldProblems({ error }: { error: unknown }) {
  if (!(error instanceof ApiError) || error.details.length === 0) return null;
  return (
    <ul className="list-disc space-y-1 pl-5 text-sm text-red-700 dark:text-red-400">
      {error.details.map((detail) => (
        <li key={`${detail.field}:${detail.message}`}>
          <span className="font-mono">{detail.field}</span> {detail.message}
        </li>
      ))}
    </ul>
  );
}
