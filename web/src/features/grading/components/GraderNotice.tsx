import { useGrader } from "../hooks/queries";

interface GraderNoticeProps {
  labId: number;
  /** From the lab's grading setup: false sends no request; undefined (not known) sends one. */
  attached?: boolean;
}

/**
 * A note that the lab's submissions are tested automatically, with the number of tests. It
 * renders nothing while loading, when the lab has no grader, or when the request fails, because
 * the submit form works the same without it.
 */
export function GraderNotice({ labId, attached }: GraderNoticeProps) {
  const grader = useGrader(labId, attached !== false);
  if (!grader.isSuccess || grader.data === null) return null;
  const count = grader.data.test_count;
  const tests = count === undefined ? "its tests" : `${count} ${count === 1 ? "test" : "tests"}`;
  const language =
    grader.data.language !== undefined && grader.data.language !== ""
      ? ` (${grader.data.language})`
      : "";
  return (
    <p
      data-testid="grader-notice"
      className="rounded-md border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-950 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100"
    >
      This lab has an autograder{language}. Your files are run against {tests} after you submit, and
      the results of the visible tests appear on your submission&apos;s page.
    </p>
  );
}
