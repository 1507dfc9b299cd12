import type { GradingJobs, JobStatus, TestResult } from "./api/grading-api";

/** The interval at which pages refetch a queued or running job, in milliseconds. */
export const pollIntervalMs = 1000;

/** True once a job will change no more: it finished or the machinery gave up on it. */
export function isFinished(status: JobStatus): boolean {
  return status === "done" || status === "failed";
}

/** Returns the refetch interval for a job in `status`: poll while it waits or runs, then stop. */
export function jobPollInterval(status: JobStatus | undefined): number | false {
  return status !== undefined && !isFinished(status) ? pollIntervalMs : false;
}

/** Returns the refetch interval for a batch of jobs: poll until none is queued or running. */
export function batchPollInterval(jobs: GradingJobs | undefined): number | false {
  if (jobs === undefined) return pollIntervalMs;
  return jobs.queued + jobs.running > 0 ? pollIntervalMs : false;
}

/** Formats a score without trailing zeros: 2, 1.5, 0.33. */
export function formatPoints(points: number): string {
  return String(Math.round(points * 100) / 100);
}

/** "2 of 3 points", "1 of 1 point", or "no score" when the job has none yet. */
export function formatScore(score: number | null | undefined, maxScore: number | null | undefined) {
  if (score === null || score === undefined) return "no score";
  if (maxScore === null || maxScore === undefined)
    return `${formatPoints(score)} ${score === 1 ? "point" : "points"}`;
  return `${formatPoints(score)} of ${formatPoints(maxScore)} ${maxScore === 1 ? "point" : "points"}`;
}

/** Counts the passed tests. */
export function countPassed(tests: readonly TestResult[]): number {
  return tests.filter((test) => test.status === "passed").length;
}

/** Words for a job's status, as the badge and screen readers show it. */
export const jobStatusText: Record<JobStatus, string> = {
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed",
};

/** Returns the finished share of a batch, from 0 to 1, and 1 for an empty batch. */
export function batchProgress(jobs: GradingJobs): number {
  const total = jobs.queued + jobs.running + jobs.done + jobs.failed;
  return total === 0 ? 1 : (jobs.done + jobs.failed) / total;
}

/** Returns the finished regrade jobs whose score differs from the previous one, by submission. */
export function changedScores(jobs: GradingJobs) {
  return jobs.items
    .filter((job) => job.score_changed === true)
    .sort((a, b) => a.submission_id - b.submission_id);
}

const archiveSuffixes = [".tar", ".tar.gz", ".tgz", ".zip"];

/** Checks the chosen archive by name before the upload; the server checks its content. */
export function archiveProblem(file: File | undefined): string | null {
  if (file === undefined) return "Choose the grader archive.";
  const name = file.name.toLowerCase();
  if (!archiveSuffixes.some((suffix) => name.endsWith(suffix)))
    return "Choose a .tar, .tar.gz, .tgz or .zip archive of the grader folder.";
  return null;
}

/** Parses a similarity threshold typed by the author; null unless it is a number from 0 to 1. */
export function parseThreshold(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : null;
}
