import { displayName, formatDate, pluralize } from "@/lib/format";

import type { User } from "../api/users-api";

interface ProfileCardProps {
  user: User;
}

/** Shows a user's public profile: name, bio, activity counts and review helpfulness. */
export function ProfileCard({ user }: ProfileCardProps) {
  return (
    <section aria-labelledby="profile-name" className="space-y-3">
      <div>
        <h1 id="profile-name" className="text-2xl font-bold">
          {displayName(user)}
        </h1>
        <p className="text-slate-600 dark:text-slate-400">
          @{user.username}
          {user.role !== "user" && (
            <span className="ml-2 rounded bg-slate-200 px-2 py-0.5 text-xs dark:bg-slate-700">
              {user.role}
            </span>
          )}
        </p>
      </div>
      {user.bio !== "" && <p className="whitespace-pre-line">{user.bio}</p>}
      <dl className="grid grid-cols-2 gap-3 text-center sm:grid-cols-4">
        <div className="rounded-lg bg-white p-3 shadow-sm dark:bg-slate-900">
          <dt className="text-xs text-slate-600 dark:text-slate-400">Labs solved</dt>
          <dd className="text-xl font-semibold">{user.labs_solved}</dd>
        </div>
        <div className="rounded-lg bg-white p-3 shadow-sm dark:bg-slate-900">
          <dt className="text-xs text-slate-600 dark:text-slate-400">Reviews written</dt>
          <dd className="text-xl font-semibold">{user.labs_reviewed}</dd>
        </div>
        <div className="rounded-lg bg-white p-3 shadow-sm dark:bg-slate-900">
          <dt className="text-xs text-slate-600 dark:text-slate-400">Review helpfulness</dt>
          <dd className="text-xl font-semibold">
            {user.reputation === undefined || user.reputation.ratings_count === 0
              ? "no ratings"
              : `${user.reputation.average_helpfulness.toFixed(1)} / 5`}
          </dd>
          {user.reputation !== undefined && user.reputation.ratings_count > 0 && (
            <dd className="text-xs text-slate-600 dark:text-slate-400">
              from {pluralize(user.reputation.ratings_count, "rating")}
            </dd>
          )}
        </div>
        <div className="rounded-lg bg-white p-3 shadow-sm dark:bg-slate-900">
          <dt className="text-xs text-slate-600 dark:text-slate-400">Member since</dt>
          <dd className="text-sm font-semibold">{formatDate(user.created_at)}</dd>
        </div>
      </dl>
    </section>
  );
}
