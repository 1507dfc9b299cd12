import { useState } from "react";
import { Link } from "react-router";

import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";
import { formatDateTime } from "@/lib/format";

import { usePointsHistory } from "../hooks/queries";

const reasonLabels: Record<string, string> = {
  signup: "Welcome points",
  submission: "Submitted a solution",
  review: "Reviewed a submission",
  refund: "Refund",
};

/**
 * Renders a ledger reference such as "lab:12 submission:4336b463-…" as links a reader can follow.
 * Internal keys (a submission's UUID) are left out, and other words stay as text.
 */
function Reference({ text }: { text: string }) {
  const parts = text.split(/\s+/).filter((part) => part !== "");
  const words = parts.filter((part) => !/^[a-z_]+:\S+$/.test(part)).join(" ");
  const lab = parts.find((part) => /^lab:\d+$/.test(part))?.slice("lab:".length);
  const submission = parts
    .find((part) => /^submission:\d+$/.test(part))
    ?.slice("submission:".length);
  const links = [
    lab !== undefined && (
      <Link key="lab" to={`/labs/${lab}`} className="underline">
        Lab #{lab}
      </Link>
    ),
    submission !== undefined && (
      <Link key="submission" to={`/submissions/${submission}`} className="underline">
        Submission #{submission}
      </Link>
    ),
  ].filter((link) => link !== false);
  return (
    <>
      {links.map((link, index) => [index > 0 && " · ", link])}
      {words !== "" && `${links.length > 0 ? " · " : ""}${words}`}
    </>
  );
}

export function PointsHistory() {
  const [page, setPage] = useState(1);
  const history = usePointsHistory(page);

  if (history.isPending) {
    return <Loading label="Loading the points history…" />;
  }
  if (history.isError) {
    return <ErrorMessage error={history.error} title="The points history could not be loaded." />;
  }
  if (history.data.items.length === 0) {
    return (
      <EmptyState title="No points changes yet.">
        Submitting a solution spends points; reviewing someone's submission earns them.
      </EmptyState>
    );
  }
  return (
    <div>
      {/* Focusable, so that keyboard users can scroll the table sideways on narrow screens. */}
      <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Points history">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Points history, newest first</caption>
          <thead>
            <tr className="border-b border-slate-300 dark:border-slate-600">
              <th scope="col" className="py-2 pr-3">
                When
              </th>
              <th scope="col" className="py-2 pr-3">
                What
              </th>
              <th scope="col" className="py-2 pr-3 text-right">
                Change
              </th>
              <th scope="col" className="py-2 text-right">
                Balance
              </th>
            </tr>
          </thead>
          <tbody>
            {history.data.items.map((entry) => (
              <tr key={entry.id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2 pr-3 sm:whitespace-nowrap">
                  {formatDateTime(entry.created_at)}
                </td>
                <td className="py-2 pr-3 break-words">
                  {reasonLabels[entry.reason] ?? entry.reason}
                  {entry.reference !== "" && (
                    <span className="block text-xs text-slate-600 empty:hidden dark:text-slate-400">
                      <Reference text={entry.reference} />
                    </span>
                  )}
                </td>
                <td
                  className={`py-2 pr-3 text-right font-medium ${
                    entry.amount < 0
                      ? "text-red-700 dark:text-red-400"
                      : "text-emerald-700 dark:text-emerald-400"
                  }`}
                >
                  {entry.amount > 0 ? `+${entry.amount}` : entry.amount}
                </td>
                <td className="py-2 text-right">{entry.balance_after}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination
        page={page}
        limit={history.data.limit}
        total={history.data.total}
        onChange={setPage}
      />
    </div>
  );
}
