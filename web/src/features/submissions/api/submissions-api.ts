import { api } from "@/lib/api-client";
import type { Page } from "@/lib/types";
import { uploadForm, type UploadProgress } from "@/lib/upload";

export type SubmissionStatus = "submitted" | "in_review" | "accepted" | "rejected";

export interface StoredFileInfo {
  id: number;
  filename: string;
  content_type: string;
  size: number;
  created_at: number;
  /** Set on a submission's snapshot of the learner's notebook copy. */
  notebook_copy_id?: number;
}

/** The response to DELETE /submissions/{id}: whether the points came back, and why. */
export interface SubmissionDeletion {
  id: number;
  /** The submission's cost, or 0 once the automatic tests have started on it. */
  refunded_points: number;
  grading_started: boolean;
  /** One sentence for the learner, saying whether the points were refunded. */
  message: string;
}

/** A learner's saved copy of a notebook, as GET /notebook-copies lists it. */
export interface NotebookCopy {
  id: number;
  title: string;
  copy_of: number;
  parent_type: string;
  parent_id: number;
  updated_at: number;
}

/** Whether a lab has notebooks, and the caller's copies of them. */
export interface LabNotebookCopies {
  labHasNotebooks: boolean;
  copies: NotebookCopy[];
}

export interface ReviewFile extends StoredFileInfo {
  review_id: number;
}

export interface Review {
  id: number;
  submission_id: number;
  reviewer_id: number;
  content: string;
  verdict: "accept" | "reject";
  score: number;
  files: ReviewFile[];
  helpfulness?: number;
  created_at: number;
}

export interface Submission {
  id: number;
  lab_id: number;
  learner_id: number;
  /** Empty in list responses. */
  text: string;
  status: SubmissionStatus;
  files: StoredFileInfo[];
  reviews_count: number;
  required_reviews: number;
  final_score?: number;
  claimed_by?: number;
  claim_expires_at?: number;
  cost_points: number;
  created_at: number;
  updated_at: number;
  decided_at?: number;
  /**
   * Whether a claim by the caller passes the server's checks: an eligible reviewer who is not
   * the submitter, before the decision and before their own review. Set in the response of one
   * submission; false in lists.
   */
  may_claim: boolean;
}

/** GET /submissions/{id}: the submission with the reviews the caller may read. */
export interface SubmissionDetail extends Submission {
  reviews: Review[];
}

export interface QueueEntry {
  submission_id: number;
  lab_id: number;
  files_count: number;
  reviews_count: number;
  required_reviews: number;
  created_at: number;
}

export interface Claim {
  submission_id: number;
  reviewer_id: number;
  expires_at: number;
}

export interface ReviewInput {
  content: string;
  verdict: "accept" | "reject";
  score: number;
  files: File[];
}

export const submissionFileUrl = (submissionId: number, fileId: number) =>
  `/submissions/${submissionId}/files/${fileId}`;
export const reviewFileUrl = (reviewId: number, fileId: number) =>
  `/reviews/${reviewId}/files/${fileId}`;

export const submissionsApi = {
  create: (
    labId: number,
    text: string,
    files: File[],
    notebookCopyId: number | undefined,
    onProgress: (progress: UploadProgress) => void,
  ) => {
    const form = new FormData();
    form.append("lab_id", String(labId));
    form.append("text", text);
    if (notebookCopyId !== undefined) {
      form.append("notebook_copy_id", String(notebookCopyId));
    }
    for (const file of files) {
      form.append("files[]", file, file.name);
    }
    return uploadForm<Submission>("/submissions", form, { onProgress });
  },
  labNotebookCopies: async (labId: number): Promise<LabNotebookCopies> => {
    const [notebooks, copies] = await Promise.all([
      api.get<{ items?: { id: number }[] }>("/notebooks", { lab: labId }),
      api.get<{ items?: NotebookCopy[] }>("/notebook-copies"),
    ]);
    return {
      labHasNotebooks: (notebooks.items ?? []).length > 0,
      copies: (copies.items ?? []).filter(
        (copy) => copy.parent_type === "lab" && copy.parent_id === labId,
      ),
    };
  },
  mine: (page: number) => api.get<Page<Submission>>("/submissions/mine", { page, limit: 20 }),
  get: (id: number) => api.get<SubmissionDetail>(`/submissions/${id}`),
  remove: (id: number) => api.delete<SubmissionDeletion>(`/submissions/${id}`),
  queue: (page: number) => api.get<Page<QueueEntry>>("/reviews/queue", { page, limit: 20 }),
  claim: (id: number) => api.post<Claim>(`/submissions/${id}/claim`),
  release: (id: number) => api.delete<undefined>(`/submissions/${id}/claim`),
  review: (id: number, input: ReviewInput, onProgress: (progress: UploadProgress) => void) => {
    const form = new FormData();
    form.append("content", input.content);
    form.append("verdict", input.verdict);
    form.append("score", String(input.score));
    for (const file of input.files) {
      form.append("files[]", file, file.name);
    }
    return uploadForm<{ review: Review; points_earned: number }>(
      `/submissions/${id}/reviews`,
      form,
      {
        onProgress,
      },
    );
  },
  rate: (reviewId: number, rating: number) =>
    api.post<Review>(`/reviews/${reviewId}/rating`, { rating }),
};
