import { Link } from "react-router";

import { useUser } from "../hooks/queries";

/** Links to a user's profile, labelled with the username once it has loaded. */
export function UserLink({ id }: { id: number }) {
  const user = useUser(id);
  if (id === 0) {
    return <span>someone</span>;
  }
  return (
    <Link to={`/users/${id}`} className="underline">
      {user.data === undefined ? `user ${id}` : `@${user.data.username}`}
    </Link>
  );
}
