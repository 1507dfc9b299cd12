import type { SearchParams, SearchType } from "./api/search-api";

/** The largest page number that GET /api/v1/search accepts. */
const maxPage = 1_000_000;

/**
 * Reads the search page's parameters from its address: `q`, `type` (`lab` or `article`, else
 * both) and `page` (from 1). Values that make no sense fall back to the defaults instead of
 * failing, because they come from links that anyone can edit.
 */
export function parseSearchParams(search: URLSearchParams): SearchParams {
  const q = (search.get("q") ?? "").trim();
  const rawType = search.get("type");
  const type: SearchType | undefined =
    rawType === "lab" || rawType === "article" ? rawType : undefined;
  const rawPage = Number(search.get("page") ?? "1");
  const page = Number.isInteger(rawPage) ? Math.min(Math.max(rawPage, 1), maxPage) : 1;
  return { q, type, page };
}

/** Builds the address query of the search page, leaving out the defaults. */
export function searchParamsToQuery(params: SearchParams): URLSearchParams {
  const query = new URLSearchParams();
  if (params.q !== "") query.set("q", params.q);
  if (params.type !== undefined) query.set("type", params.type);
  if (params.page > 1) query.set("page", String(params.page));
  return query;
}

/** Returns the path of the search page for these parameters. */
export function searchPath(params: SearchParams): string {
  const query = searchParamsToQuery(params).toString();
  return query === "" ? "/search" : `/search?${query}`;
}
