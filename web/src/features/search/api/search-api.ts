import { api } from "@/lib/api-client";
import type { Page } from "@/lib/types";

export type SearchType = "lab" | "article";

/** One ranked result of GET /api/v1/search. */
export interface SearchHit {
  type: SearchType;
  id: number;
  title: string;
  /** HTML-escaped text around the matches, with each match inside <mark>…</mark>. */
  snippet: string;
  /** Relevance, higher is better; comparable only within one response. */
  score: number;
}

export interface SearchParams {
  q: string;
  /** Both labs and articles when absent. */
  type?: SearchType;
  page: number;
}

/** Results per page of the search page. */
export const searchPageSize = 10;

export const searchApi = {
  search: (params: SearchParams) =>
    api.get<Page<SearchHit>>("/search", {
      q: params.q,
      type: params.type,
      page: params.page,
      limit: searchPageSize,
    }),
};
