import { useState } from "react";
import { Link } from "react-router";

import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";
import { displayName } from "@/lib/format";

import { useLeaderboard } from "../hooks/queries";

export function Leaderboard() {
  const [page, setPage] = useState(1);
  const board = useLeaderboard(page);

  if (board.isPending) {
    return <Loading label="Loading the leaderboard…" />;
  }
  if (board.isError) {
    return <ErrorMessage error={board.error} title="The leaderboard could not be loaded." />;
  }
  if (board.data.items.length === 0) {
    return (
      <EmptyState title="Nobody is on the leaderboard yet.">
        Sign up and earn points by reviewing.
      </EmptyState>
    );
  }
  return (
    <div>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Users ranked by points</caption>
          <thead>
            <tr className="border-b border-slate-300 dark:border-slate-600">
              <th scope="col" className="py-2 pr-3">
                Rank
              </th>
              <th scope="col" className="py-2 pr-3">
                User
              </th>
              <th scope="col" className="py-2 pr-3 text-right">
                Points
              </th>
              <th scope="col" className="py-2 pr-3 text-right">
                Labs solved
              </th>
              <th scope="col" className="py-2 text-right">
                Reviews
              </th>
            </tr>
          </thead>
          <tbody>
            {board.data.items.map((entry) => (
              <tr key={entry.user_id} className="border-b border-slate-200 dark:border-slate-800">
                <td className="py-2 pr-3">{entry.rank}</td>
                <td className="py-2 pr-3">
                  <Link to={`/users/${entry.user_id}`} className="underline">
                    {displayName(entry)}
                  </Link>
                  <span className="ml-1 text-slate-600 dark:text-slate-400">@{entry.username}</span>
                </td>
                <td className="py-2 pr-3 text-right font-medium">{entry.points}</td>
                <td className="py-2 pr-3 text-right">{entry.labs_solved}</td>
                <td className="py-2 text-right">{entry.labs_reviewed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pagination
        page={page}
        limit={board.data.limit}
        total={board.data.total}
        onChange={setPage}
      />
    </div>
  );
}
