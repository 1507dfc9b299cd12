import { Leaderboard } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

export function LeaderboardPage() {
  useDocumentTitle("Leaderboard");
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Leaderboard</h1>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Users ranked by points. Reviewing others' submissions earns points.
      </p>
      <Leaderboard />
    </div>
  );
}
