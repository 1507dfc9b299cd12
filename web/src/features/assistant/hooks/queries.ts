import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { assistantApi, type AssistantMode, type AssistantScope } from "../api/assistant-api";

export const conversationsPerPage = 10;

export const assistantKeys = {
  conversations: (scope: AssistantScope) => ["assistant", "conversations", scope] as const,
  conversationPage: (scope: AssistantScope, page: number) =>
    ["assistant", "conversations", scope, page] as const,
  allConversations: ["assistant", "conversations"] as const,
  lab: (labId: number) => ["assistant", "lab", labId] as const,
};

/** Fetches one page of the signed-in user's conversations about the lab or article, newest first. */
export function useConversations(scope: AssistantScope, page: number) {
  return useQuery({
    queryKey: assistantKeys.conversationPage(scope, page),
    queryFn: () => assistantApi.conversations(scope, page, conversationsPerPage),
    placeholderData: keepPreviousData,
  });
}

export function useDeleteConversation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => assistantApi.deleteConversation(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: assistantKeys.allConversations }),
  });
}

/** Fetches a lab's assistant mode. Without a `labId` (an article page) it sends no request. */
export function useLabAssistant(labId: number | undefined) {
  return useQuery({
    queryKey: assistantKeys.lab(labId ?? 0),
    queryFn: () => assistantApi.labSettings(labId ?? 0),
    enabled: labId !== undefined,
  });
}

export function useSetLabMode(labId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (mode: AssistantMode) => assistantApi.setLabMode(labId, mode),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: assistantKeys.lab(labId) }),
  });
}
