import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { meQueryKey } from "@/lib/query-keys";

import { submissionsApi } from "../api/submissions-api";

export const submissionsKeys = {
  all: ["submissions"] as const,
  mine: (page: number) => ["submissions", "mine", page] as const,
  detail: (id: number) => ["submissions", id] as const,
  queue: (page: number) => ["submissions", "queue", page] as const,
  notebookCopies: (labId: number) => ["submissions", "notebook-copies", labId] as const,
};

export function useMySubmissions(page: number) {
  return useQuery({
    queryKey: submissionsKeys.mine(page),
    queryFn: () => submissionsApi.mine(page),
    placeholderData: keepPreviousData,
  });
}

export function useSubmission(id: number) {
  return useQuery({ queryKey: submissionsKeys.detail(id), queryFn: () => submissionsApi.get(id) });
}

/** Fetches the caller's copies of a lab's notebooks, which a submission may attach. */
export function useLabNotebookCopies(labId: number) {
  return useQuery({
    queryKey: submissionsKeys.notebookCopies(labId),
    queryFn: () => submissionsApi.labNotebookCopies(labId),
  });
}

export function useReviewQueue(page: number) {
  return useQuery({
    queryKey: submissionsKeys.queue(page),
    queryFn: () => submissionsApi.queue(page),
    placeholderData: keepPreviousData,
  });
}

/** Refetches submissions and the caller's balance after a change that moves points. */
export function useRefreshAfterChange() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: submissionsKeys.all }),
      queryClient.invalidateQueries({ queryKey: meQueryKey }),
    ]);
}

export function useClaim(id: number) {
  const refresh = useRefreshAfterChange();
  const claim = useMutation({ mutationFn: () => submissionsApi.claim(id), onSuccess: refresh });
  const release = useMutation({ mutationFn: () => submissionsApi.release(id), onSuccess: refresh });
  return { claim, release };
}

export function useRateReview(submissionId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ reviewId, rating }: { reviewId: number; rating: number }) =>
      submissionsApi.rate(reviewId, rating),
    onSuccess: () =>
      queryClient.invalidateQueries({ queryKey: submissionsKeys.detail(submissionId) }),
  });
}

export function useDeleteSubmission(id: number) {
  const refresh = useRefreshAfterChange();
  return useMutation({ mutationFn: () => submissionsApi.remove(id), onSuccess: refresh });
}
