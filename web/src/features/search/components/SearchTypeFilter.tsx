import { Link } from "react-router";

import type { SearchParams, SearchType } from "../api/search-api";
import { searchPath } from "../search-params";

const choices: { type: SearchType | undefined; label: string }[] = [
  { type: undefined, label: "All" },
  { type: "lab", label: "Labs" },
  { type: "article", label: "Articles" },
];

/** Links that narrow the search to labs or articles; each starts again at page 1. */
export function SearchTypeFilter({ params }: { params: SearchParams }) {
  return (
    <nav aria-label="Result type">
      <ul className="flex gap-1">
        {choices.map((choice) => {
          const selected = choice.type === params.type;
          return (
            <li key={choice.label}>
              <Link
                to={searchPath({ q: params.q, type: choice.type, page: 1 })}
                aria-current={selected ? "page" : undefined}
                className={`block rounded-md px-3 py-1.5 text-sm font-medium ${
                  selected
                    ? "bg-slate-800 text-white dark:bg-slate-200 dark:text-slate-900"
                    : "text-slate-700 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-800"
                }`}
              >
                {choice.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
