import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { articlesApi, type ArticleDetails } from "../api/articles-api";

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

export function useUpdateArticle(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (details: ArticleDetails) => articlesApi.update(id, details),
    onSuccess: (article) => {
      queryClient.setQueryData(["articles", id], article);
      void queryClient.invalidateQueries({ queryKey: ["articles", "list"] });
      void queryClient.invalidateQueries({ queryKey: ["articles", "search"] });
    },
  });
}

export function useDeleteArticle(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => articlesApi.remove(id),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ["articles", id] });
      void queryClient.invalidateQueries({ queryKey: ["articles"] });
    },
  });
}
