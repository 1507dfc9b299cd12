import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { assistantApi, type AssistantMode, type AssistantScope } from "../api/assistant-api";

export const assistantKeys = {
  conversations: (scope: AssistantScope) => ["assistant", "conversations", scope] as const,
  allConversations: ["assistant", "conversations"] as const,
  lab: (labId: number) => ["assistant", "lab", labId] as const,
};

/** Fetches the signed-in user's newest conversations about the lab or article. */
export function useConversations(scope: AssistantScope, enabled: boolean) {
  return useQuery({
    queryKey: assistantKeys.conversations(scope),
    queryFn: () => assistantApi.conversations(scope),
    enabled,
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
