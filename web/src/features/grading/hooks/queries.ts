import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { ApiError } from "@/lib/api-error";
import type { UploadProgress } from "@/lib/upload";

import { type Grader, gradingApi, similarityApi } from "../api/grading-api";
import { rubricApi, type RubricInput } from "../api/rubric-api";
import { batchPollInterval, jobPollInterval } from "../grading-state";

export const gradingKeys = {
  submission: (id: number) => ["grading", "submission", id] as const,
  grader: (labId: number) => ["grading", "grader", labId] as const,
  batch: (labId: number, batch: string) => ["grading", "batch", labId, batch] as const,
  similarity: (labId: number, threshold: number) =>
    ["grading", "similarity", labId, threshold] as const,
};

/** A 404 from the grading routes means "no grader" or "no job", which pages show as empty. */
export const isNotFound = (error: unknown) => error instanceof ApiError && error.status === 404;

/**
 * Fetches the submission's newest grading job, and again every second while it is unfinished.
 * Disabled, it sends no request (for a lab known to have no grader).
 */
export function useSubmissionGrading(submissionId: number, enabled = true) {
  return useQuery({
    queryKey: gradingKeys.submission(submissionId),
    queryFn: () => gradingApi.submissionGrading(submissionId),
    enabled,
    refetchInterval: (query) => jobPollInterval(query.state.data?.status),
    retry: (failures, error) => !isNotFound(error) && failures < 2,
  });
}

/**
 * Fetches the lab's grader. Disabled, it sends no request (for a lab known to have none). The
 * data is null once the grader is detached on this page.
 */
export function useGrader(labId: number, enabled = true) {
  return useQuery<Grader | null>({
    queryKey: gradingKeys.grader(labId),
    queryFn: () => gradingApi.grader(labId),
    enabled,
    retry: (failures, error) => !isNotFound(error) && failures < 2,
  });
}

export function useAttachGrader(labId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      archive,
      onProgress,
    }: {
      archive: File;
      onProgress?: (progress: UploadProgress) => void;
    }) => gradingApi.attachGrader(labId, archive, onProgress),
    onSuccess: (grader) => {
      queryClient.setQueryData(gradingKeys.grader(labId), grader);
    },
  });
}

export function useDetachGrader(labId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => gradingApi.detachGrader(labId),
    // Null in place of a new request, which would fail with 404 now that the grader is gone.
    onSuccess: () => {
      queryClient.setQueryData<Grader | null>(gradingKeys.grader(labId), null);
    },
  });
}

export function useRegrade(labId: number) {
  return useMutation({ mutationFn: () => gradingApi.regrade(labId) });
}

/** Fetches the jobs of one regrade batch, and again every second until all have finished. */
export function useGradingBatch(labId: number, batch: string | null) {
  return useQuery({
    queryKey: gradingKeys.batch(labId, batch ?? ""),
    queryFn: () => gradingApi.jobs(labId, batch ?? ""),
    enabled: batch !== null,
    refetchInterval: (query) => batchPollInterval(query.state.data),
  });
}

/** Fetches the similarity report for `threshold`; null sends no request. */
export function useSimilarity(labId: number, threshold: number | null) {
  return useQuery({
    queryKey: gradingKeys.similarity(labId, threshold ?? -1),
    queryFn: () => similarityApi.report(labId, threshold ?? 0),
    enabled: threshold !== null,
  });
}

/**
 * Fetches the machine-written rubric review draft, and again every second while it is
 * unfinished. The server returns 404 without a draft and 409 without a language model, so
 * pages disable it for labs whose setup says that there are no drafts.
 */
export function useRubricReview(submissionId: number, enabled = true) {
  return useQuery({
    queryKey: ["grading", "rubric-review", submissionId] as const,
    queryFn: () => rubricApi.review(submissionId),
    enabled,
    refetchInterval: (query) => jobPollInterval(query.state.data?.status),
    retry: false,
  });
}

/** Fetches the lab's rubric. Disabled, it sends no request (for a lab known to have none). */
export function useRubric(labId: number, enabled = true) {
  return useQuery({
    queryKey: ["grading", "rubric", labId] as const,
    queryFn: () => rubricApi.rubric(labId),
    enabled,
    retry: (failures, error) => !isNotFound(error) && failures < 2,
  });
}

export function useSaveRubric(labId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: RubricInput) => rubricApi.saveRubric(labId, input),
    onSuccess: (rubric) => {
      queryClient.setQueryData(["grading", "rubric", labId], rubric);
    },
  });
}
