import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { labsApi, type LabInput, type LabListParams } from "../api/labs-api";

export const labsKeys = {
  all: ["labs"] as const,
  list: (params: LabListParams) => ["labs", "list", params] as const,
  detail: (id: number) => ["labs", id] as const,
  tags: ["tags"] as const,
};

export function useLabs(params: LabListParams) {
  return useQuery({
    queryKey: labsKeys.list(params),
    queryFn: () => labsApi.list(params),
    placeholderData: keepPreviousData,
  });
}

export function useLab(id: number) {
  return useQuery({ queryKey: labsKeys.detail(id), queryFn: () => labsApi.get(id) });
}

/**
 * Reads a lab without counting a view, for pages that show only its title or its grading setup;
 * shares useLab's cache.
 */
export function useLabForTitle(id: number) {
  return useQuery({
    queryKey: labsKeys.detail(id),
    queryFn: () => labsApi.getUncounted(id),
    staleTime: 5 * 60_000,
  });
}

export function useTags() {
  return useQuery({ queryKey: labsKeys.tags, queryFn: labsApi.tags, staleTime: 5 * 60_000 });
}

export function useSaveLab(id: number | undefined) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: LabInput) =>
      id === undefined ? labsApi.create(input) : labsApi.update(id, input),
    onSuccess: (lab) => {
      queryClient.setQueryData(labsKeys.detail(lab.id), lab);
      void queryClient.invalidateQueries({ queryKey: labsKeys.all });
      void queryClient.invalidateQueries({ queryKey: labsKeys.tags });
    },
  });
}

export function useDeleteLab(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => labsApi.remove(id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: labsKeys.all });
    },
  });
}
