import { Link } from "react-router";

import { useMe } from "../hooks/queries";

/** The caller's points balance, linking to the points history. */
export function PointsBalance() {
  const { data: me } = useMe();
  if (me?.balance === undefined) {
    return null;
  }
  return (
    <Link
      to="/settings#points"
      data-testid="points-balance"
      className="rounded-full bg-amber-100 px-3 py-1 text-sm font-medium text-amber-900 hover:bg-amber-200 dark:bg-amber-900 dark:text-amber-100 dark:hover:bg-amber-800"
      aria-label={`${me.balance} points, open the points history`}
    >
      {me.balance} points
    </Link>
  );
}
