interface RestoredDraftNoticeProps {
  /** The restored content as a noun phrase, such as "your answer". */
  what: string;
  /** Names of the files chosen before, which the browser cannot keep. */
  fileNames?: readonly string[];
}

/**
 * Tells the user that a form was refilled from a stored draft, and which files must be chosen
 * again, because a browser cannot keep a chosen file across the sign-in page.
 */
export function RestoredDraftNotice({ what, fileNames = [] }: RestoredDraftNoticeProps) {
  return (
    <div
      role="status"
      data-testid="restored-draft"
      className="space-y-1 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      <p>We restored {what}, which had not been sent yet.</p>
      {fileNames.length > 0 && (
        <p>
          Files cannot be kept while you sign in again. Choose{" "}
          {fileNames.length === 1 ? "this file" : "these files"} again:{" "}
          <strong>{fileNames.join(", ")}</strong>.
        </p>
      )}
    </div>
  );
}
