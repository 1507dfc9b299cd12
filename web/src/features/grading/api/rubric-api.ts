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

/** GET and PUT /labs/{id}/rubric: the rubric that drafts of the lab's submissions follow. */
export interface Rubric {
  lab_id: number;
  /** New submissions get a draft only while enabled and a model is configured. */
  enabled: boolean;
  criteria: RubricCriterion[];
  scale: RubricScale;
  model_configured: boolean;
  updated_by?: number;
  created_at: number;
  updated_at: number;
}

/** The PUT body. Empty criteria select the server's defaults. */
export interface RubricInput {
  enabled: boolean;
  criteria: RubricCriterion[];
  scale: RubricScale;
}

export const rubricApi = {
  review: (submissionId: number) =>
    api.get<RubricReview>(`/submissions/${submissionId}/rubric-review`),
  rubric: (labId: number) => api.get<Rubric>(`/labs/${labId}/rubric`),
  saveRubric: (labId: number, input: RubricInput) =>
    api.put<Rubric>(`/labs/${labId}/rubric`, input),
};
