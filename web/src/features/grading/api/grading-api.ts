import { api } from "@/lib/api-client";
import { uploadForm, type UploadProgress } from "@/lib/upload";

/** A grading job's state: waiting for a worker, running, finished, or failed in the machinery. */
export type JobStatus = "queued" | "running" | "done" | "failed";

/** One test of a grading result, in the shape of Gradescope's results.json. */
export interface TestResult {
  name: string;
  score: number;
  max_score: number;
  status: "passed" | "failed";
  output: string;
  visibility: string;
}

/** The result a grader wrote: overall score, its output and the tests. */
export interface GradeResults {
  score: number;
  max_score: number;
  output: string;
  execution_time: number;
  tests: TestResult[];
}

/** One job of GET /labs/{id}/grading-jobs; regrade jobs also carry the score before. */
export interface GradingJob {
  job_id: number;
  submission_id: number;
  status: JobStatus;
  attempts: number;
  created_at: number;
  updated_at: number;
  finished_at?: number;
  score: number | null;
  max_score: number | null;
  batch?: string;
  previous_score?: number | null;
  /** Set on finished regrade jobs. */
  score_changed?: boolean;
  /** The machinery's error message, when `status` is `failed`. */
  error?: string;
}

/** GET /submissions/{id}/grading: the submission's newest grading job with its results. */
export interface SubmissionGrading extends GradingJob {
  /** `visible_tests` for the submitter, `all_tests` for reviewers, the author and moderators. */
  view: "visible_tests" | "all_tests";
  /** Present once the job has a stored result. */
  results?: GradeResults;
  /** The number of tests left out of `results` because the submitter may not see them. */
  hidden_tests?: number;
}

/** A test of the attached grader, as its settings list it. */
export interface GraderTest {
  name: string;
  visibility: string;
  max_score: number;
}

/**
 * GET /labs/{id}/grader. Anyone may read the version, kind, language and test count. The lab's
 * managers (author, moderators) also get the settings, the tests and the archive.
 */
export interface Grader {
  lab_id: number;
  version: number;
  created_at: number;
  kind?: "tests" | "command";
  language?: string;
  test_count?: number;
  compare?: string;
  has_checker?: boolean;
  has_build?: boolean;
  time_limit_s?: number;
  memory_mb?: number;
  tests?: GraderTest[];
  archive_name?: string;
  size?: number;
  sha256?: string;
  uploaded_by?: number;
}

/** POST /labs/{id}/grader/regrade: the batch of jobs queued again. */
export interface RegradeBatch {
  lab_id: number;
  batch: string;
  grader_version: number;
  queued: number;
}

/** GET /labs/{id}/grading-jobs: the jobs of one batch with a count for each status. */
export interface GradingJobs {
  lab_id: number;
  batch?: string;
  items: GradingJob[];
  changed: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
}

export const gradingApi = {
  submissionGrading: (submissionId: number) =>
    api.get<SubmissionGrading>(`/submissions/${submissionId}/grading`),
  grader: (labId: number) => api.get<Grader>(`/labs/${labId}/grader`),
  attachGrader: (labId: number, archive: File, onProgress?: (progress: UploadProgress) => void) => {
    const form = new FormData();
    form.append("archive", archive, archive.name);
    return uploadForm<Grader>(`/labs/${labId}/grader`, form, { method: "PUT", onProgress });
  },
  detachGrader: (labId: number) => api.delete<undefined>(`/labs/${labId}/grader`),
  regrade: (labId: number) => api.post<RegradeBatch>(`/labs/${labId}/grader/regrade`),
  jobs: (labId: number, batch: string) =>
    api.get<GradingJobs>(`/labs/${labId}/grading-jobs`, { batch }),
};

/** Lines `first_line` to `last_line` (1-based, inclusive) of one side of a matching region. */
export interface RegionSide {
  first_line: number;
  last_line: number;
  text: string;
}

/** Two submissions by different learners whose code fingerprints overlap. */
export interface SimilarPair {
  submission_a: number;
  learner_a: number;
  submission_b: number;
  learner_b: number;
  /** Jaccard similarity of the two fingerprint sets, from 0 to 1. */
  score: number;
  shared_fingerprints: number;
  regions: { a: RegionSide; b: RegionSide }[];
}

/** GET /labs/{id}/similarity: the pairs at or above the threshold, most similar first. */
export interface SimilarityReport {
  lab_id: number;
  threshold: number;
  submissions_compared: number;
  pairs: SimilarPair[];
  /** The scoring method, in words. */
  method: string;
}

export const similarityApi = {
  report: (labId: number, threshold: number) =>
    api.get<SimilarityReport>(`/labs/${labId}/similarity`, { threshold }),
};
