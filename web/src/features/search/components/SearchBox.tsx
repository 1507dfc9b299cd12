import { useId, useState, type SubmitEvent } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";

import { inputClass } from "@/components/ui/Field";

import { parseSearchParams, searchPath } from "../search-params";

/**
 * Renders the search form of the site header. Submitting opens the search page for the typed
 * words, with the type filter kept when the search page is already open, where the field shows
 * the current query.
 */
export function SearchBox({ onSearch }: { onSearch?: () => void }) {
  const inputId = useId();
  const navigate = useNavigate();
  const location = useLocation();
  const [searchParams] = useSearchParams();
  const onSearchPage = location.pathname === "/search";
  const current = onSearchPage ? parseSearchParams(searchParams) : undefined;
  const addressQuery = current?.q ?? "";

  // The field follows the address when it changes (a result link, the back button), and keeps
  // what the user types in between.
  const [text, setText] = useState(addressQuery);
  const [shownQuery, setShownQuery] = useState(addressQuery);
  if (shownQuery !== addressQuery) {
    setShownQuery(addressQuery);
    setText(addressQuery);
  }

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    void navigate(searchPath({ q: text.trim(), type: current?.type, page: 1 }));
    onSearch?.();
  };

  return (
    <form role="search" aria-label="Site" onSubmit={onSubmit} className="flex items-center gap-1">
      <label htmlFor={inputId} className="sr-only">
        Site search
      </label>
      <input
        id={inputId}
        type="search"
        name="q"
        enterKeyHint="search"
        placeholder="Search…"
        className={`${inputClass} w-full sm:w-24 xl:w-28`}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
        }}
      />
      <button
        type="submit"
        aria-label="Search"
        className="rounded-md p-2 hover:bg-slate-200 dark:hover:bg-slate-700"
      >
        <svg
          aria-hidden="true"
          viewBox="0 0 20 20"
          className="h-4 w-4"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
        >
          <circle cx="8.5" cy="8.5" r="5.5" />
          <path d="m13 13 4.5 4.5" strokeLinecap="round" />
        </svg>
      </button>
    </form>
  );
}
