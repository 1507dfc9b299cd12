import { Link } from "react-router";

import { formatDate, pluralize } from "@/lib/format";

import type { Lab } from "../api/labs-api";

export function LabCard({ lab }: { lab: Lab }) {
  return (
    <li className="flex flex-col rounded-lg bg-white p-4 shadow-sm dark:bg-slate-900">
      <h2 className="font-semibold">
        <Link to={`/labs/${lab.id}`} className="hover:underline">
          {lab.title}
        </Link>
      </h2>
      {lab.description !== "" && (
        <p className="mt-1 line-clamp-3 text-sm text-slate-700 dark:text-slate-300">
          {lab.description}
        </p>
      )}
      <ul className="mt-2 flex flex-wrap gap-1" aria-label="Tags">
        {lab.tags.map((tag) => (
          <li
            key={tag}
            className="rounded bg-indigo-50 px-2 py-0.5 text-xs text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200"
          >
            {tag}
          </li>
        ))}
      </ul>
      <p className="mt-auto pt-3 text-xs text-slate-600 dark:text-slate-400">
        {formatDate(lab.created_at)} · {pluralize(lab.submission_count, "submission")} ·{" "}
        {pluralize(lab.views, "view")}
      </p>
    </li>
  );
}
