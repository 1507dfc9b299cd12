import type { TestResult } from "../api/grading-api";
import { formatScore } from "../grading-state";

/** The tests of a grading result, each with its status, score and output. */
export function TestResultList({ tests }: { tests: readonly TestResult[] }) {
  return (
    <ul className="space-y-2" aria-label="Test results">
      {tests.map((test, index) => {
        const passed = test.status === "passed";
        return (
          <li
            key={`${test.name}-${index}`}
            data-testid="test-result"
            className="space-y-1 rounded-md border border-slate-200 px-3 py-2 text-sm dark:border-slate-700"
          >
            <div className="flex flex-wrap items-center gap-2">
              <span
                className={`rounded-full px-2 py-0.5 text-xs font-medium ${
                  passed
                    ? "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100"
                    : "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100"
                }`}
              >
                {passed ? "Passed" : "Failed"}
              </span>
              <span className="font-mono break-all">{test.name}</span>
              {test.visibility !== "visible" && (
                <span className="text-xs text-slate-600 dark:text-slate-400">
                  ({test.visibility === "hidden" ? "hidden from the learner" : test.visibility})
                </span>
              )}
              <span className="ml-auto text-slate-600 dark:text-slate-400">
                {formatScore(test.score, test.max_score)}
              </span>
            </div>
            {test.output !== "" && (
              <pre className="max-h-64 overflow-auto rounded bg-slate-100 p-2 text-xs whitespace-pre-wrap dark:bg-slate-800">
                {test.output}
              </pre>
            )}
          </li>
        );
      })}
    </ul>
  );
}
