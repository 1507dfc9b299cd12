import { Link } from "react-router";

import { useMe } from "@/features/users";
import { displayName } from "@/lib/format";
import { useDocumentTitle } from "@/lib/use-document-title";

/** The signed-in home page. */
export function DashboardPage() {
  useDocumentTitle("Home");
  const { data: me } = useMe();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">
        {me === undefined ? "Welcome" : `Welcome, ${displayName(me)}`}
      </h1>
      <p>
        Browse the{" "}
        <Link to="/labs" className="underline">
          labs
        </Link>{" "}
        to find one to solve, or check the{" "}
        <Link to="/leaderboard" className="underline">
          leaderboard
        </Link>
        .
      </p>
    </div>
  );
}
