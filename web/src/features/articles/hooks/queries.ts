import { keepPreviousData, useQuery } from "@tanstack/react-query";

import { articlesApi } from "../api/articles-api";

export function useArticles(page: number) {
  return useQuery({
    queryKey: ["articles", "list", page],
    queryFn: () => articlesApi.list(page),
    placeholderData: keepPreviousData,
  });
}

export function useArticleSearch(q: string, page: number) {
  return useQuery({
    queryKey: ["articles", "search", q, page],
    queryFn: () => articlesApi.search(q, page),
    enabled: q !== "",
    placeholderData: keepPreviousData,
  });
}

export function useArticle(id: number) {
  return useQuery({ queryKey: ["articles", id], queryFn: () => articlesApi.get(id) });
}
