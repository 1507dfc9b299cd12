import { api } from "@/lib/api-client";

import type { JobStatus } from "./grading-api";

export interface RubricCriterion {
  name: string;
  description: string;
}

/** The range of each criterion's score, in whole points. */
export interface RubricScale {
  min: number;
  max: number;
}

/** The draft's score of one criterion, with its reason. */
export interface RubricScore {
  criterion: string;
  score: number;
  justification: string;
}

/**
 * GET /submissions/{id}/rubric-review: a draft review that a language model wrote from the lab's
 * rubric, for the submission's reviewers. It is not a peer review and never moves points.
 */
export interface RubricReview {
  submission_id: number;
  lab_id: number;
  machine_written: boolean;
  status: JobStatus;
  attempts: number;
  /** The model that wrote the draft. */
  model: string;
  criteria: RubricCriterion[];
  scale?: RubricScale;
  /** One per criterion, in the rubric's order, once the status is done. */
  scores: RubricScore[];
  summary: string;
  total?: number;
  max_total?: number;
  /** The last failed attempt's error message; empty when none failed. */
  error: string;
  created_at: number;
  updated_at: number;
  finished_at?: number;
}

export const rubricApi = {
  review: (submissionId: number) =>
    api.get<RubricReview>(`/submissions/${submissionId}/rubric-review`),
};
