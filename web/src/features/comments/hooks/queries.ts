import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { commentsApi, type TargetType } from "../api/comments-api";

const threadKey = (type: TargetType, id: number) => ["comments", type, id] as const;

export function useComments(type: TargetType, id: number, page: number) {
  return useQuery({
    queryKey: [...threadKey(type, id), page],
    queryFn: () => commentsApi.list(type, id, page),
    placeholderData: keepPreviousData,
  });
}

/** Mutations on one thread; each refetches the thread when it succeeds. */
export function useCommentActions(type: TargetType, id: number) {
  const queryClient = useQueryClient();
  const refetch = () => queryClient.invalidateQueries({ queryKey: threadKey(type, id) });
  const create = useMutation({
    mutationFn: ({ content, parentId }: { content: string; parentId?: number }) =>
      commentsApi.create(type, id, content, parentId),
    onSuccess: refetch,
  });
  const update = useMutation({
    mutationFn: ({ commentId, content }: { commentId: number; content: string }) =>
      commentsApi.update(commentId, content),
    onSuccess: refetch,
  });
  const remove = useMutation({ mutationFn: commentsApi.remove, onSuccess: refetch });
  return { create, update, remove };
}
