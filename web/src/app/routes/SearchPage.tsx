import { useNavigate, useSearchParams } from "react-router";

import { parseSearchParams, SearchResults, SearchTypeFilter, searchPath } from "@/features/search";
import { useDocumentTitle } from "@/lib/use-document-title";

/**
 * Full-text search over labs and articles. The query, type and page live in the address
 * (/search?q=…&type=lab|article&page=N), so a link shares the exact results page.
 */
export function SearchPage() {
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const params = parseSearchParams(search);
  useDocumentTitle(params.q === "" ? "Search" : `${params.q} · Search`);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">
          {params.q === "" ? "Search" : `Search results for “${params.q}”`}
        </h1>
        <SearchTypeFilter params={params} />
      </div>
      <SearchResults
        params={params}
        onPageChange={(page) => {
          void navigate(searchPath({ ...params, page }));
          window.scrollTo({ top: 0 });
        }}
      />
    </div>
  );
}
