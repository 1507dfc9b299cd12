import { Link } from "react-router";

import { Button } from "@/components/ui/Button";
import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";
import { Snippet } from "@/components/ui/Snippet";

import type { SearchHit, SearchParams } from "../api/search-api";
import { useSearch } from "../hooks/useSearch";
import { searchPath } from "../search-params";

const typeLabels = { lab: "Lab", article: "Article" } as const;

function hitPath(hit: SearchHit): string {
  return hit.type === "lab" ? `/labs/${hit.id}` : `/articles/${hit.id}`;
}

function nounFor(params: SearchParams, count: number): string {
  const noun = params.type === undefined ? "result" : params.type;
  return count === 1 ? noun : `${noun}s`;
}

interface SearchResultsProps {
  params: SearchParams;
  onPageChange: (page: number) => void;
}

/** Renders the ranked results of one search page with highlighted snippets and page controls. */
export function SearchResults({ params, onPageChange }: SearchResultsProps) {
  const results = useSearch(params);
  if (params.q === "") {
    return (
      <EmptyState title="Search labs and articles">
        Type words into the search box at the top of the page. Titles, descriptions, lab texts, tags
        and the full text of articles are searched.
      </EmptyState>
    );
  }
  if (results.isPending) {
    return <Loading label="Searching…" />;
  }
  if (results.isError) {
    return (
      <div className="space-y-2">
        <ErrorMessage error={results.error} title="The search failed." />
        <Button
          variant="secondary"
          onClick={() => {
            void results.refetch();
          }}
        >
          Try again
        </Button>
      </div>
    );
  }

  const { items, total, limit } = results.data;
  if (items.length === 0 && total === 0) {
    return (
      <EmptyState title={`No ${nounFor(params, 1)} matches “${params.q}”.`}>
        <p>Try fewer or other words.</p>
        {params.type !== undefined && (
          <p className="mt-1">
            <Link
              to={searchPath({ q: params.q, page: 1 })}
              className="font-medium text-blue-700 underline dark:text-blue-300"
            >
              Search labs and articles
            </Link>
          </p>
        )}
      </EmptyState>
    );
  }
  if (items.length === 0) {
    return (
      <EmptyState title={`Page ${params.page} is past the last result.`}>
        <Link
          to={searchPath({ ...params, page: 1 })}
          className="font-medium text-blue-700 underline dark:text-blue-300"
        >
          Go to the first page
        </Link>
      </EmptyState>
    );
  }

  const first = (params.page - 1) * limit + 1;
  return (
    <div aria-busy={results.isPlaceholderData}>
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
        {total} {nounFor(params, total)}
        {total > items.length && `, ${first} to ${first + items.length - 1} shown`}
      </p>
      <ol
        start={first}
        className={`space-y-3 ${results.isPlaceholderData ? "opacity-60" : ""}`}
        data-testid="search-results"
      >
        {items.map((hit) => (
          <li
            key={`${hit.type}-${hit.id}`}
            className="rounded-lg bg-white p-4 shadow-sm dark:bg-slate-900"
          >
            <p className="text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
              {typeLabels[hit.type]}
            </p>
            <h2 className="font-semibold">
              <Link to={hitPath(hit)} className="hover:underline">
                {hit.title}
              </Link>
            </h2>
            {hit.snippet !== "" && <Snippet html={hit.snippet} />}
          </li>
        ))}
      </ol>
      <Pagination page={params.page} limit={limit} total={total} onChange={onPageChange} />
    </div>
  );
}
