import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { searchApi, type SearchParams } from "../api/search-api";

/** Runs the search for a non-empty query; an empty one sends no request. */
export function useSearch(params: SearchParams) {
  return useQuery({
    queryKey: ["search", params],
    queryFn: () => searchApi.search(params),
    enabled: params.q !== "",
    placeholderData: keepPreviousData,
  });
}
