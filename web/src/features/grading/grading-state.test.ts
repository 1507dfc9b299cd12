import { describe, expect, it } from "vitest";

import type { GradingJob, GradingJobs, TestResult } from "./api/grading-api";
import {
  batchPollInterval,
  batchProgress,
  changedScores,
  countPassed,
  formatScore,
  isFinished,
  jobPollInterval,
  pollIntervalMs,
  archiveProblem,
  parseThreshold,
} from "./grading-state";

function job(submissionId: number, change: Partial<GradingJob>): GradingJob {
  return {
    job_id: submissionId * 10,
    submission_id: submissionId,
    status: "done",
    attempts: 1,
    created_at: 0,
    updated_at: 0,
    score: 1,
    max_score: 2,
    batch: "b",
    previous_score: 1,
    score_changed: false,
    ...change,
  };
}

function batch(items: GradingJob[]): GradingJobs {
  const count = (status: string) => items.filter((item) => item.status === status).length;
  return {
    lab_id: 1,
    batch: "b",
    items,
    changed: items.filter((item) => item.score_changed === true).length,
    queued: count("queued"),
    running: count("running"),
    done: count("done"),
    failed: count("failed"),
  };
}

describe("job polling", () => {
  it("polls while a job is queued or running", () => {
    expect(jobPollInterval("queued")).toBe(pollIntervalMs);
    expect(jobPollInterval("running")).toBe(pollIntervalMs);
  });

  it("stops once the job is done or failed", () => {
    expect(jobPollInterval("done")).toBe(false);
    expect(jobPollInterval("failed")).toBe(false);
    expect(isFinished("failed")).toBe(true);
    expect(isFinished("running")).toBe(false);
  });

  it("does not poll before the first answer", () => {
    expect(jobPollInterval(undefined)).toBe(false);
  });
});

describe("batch polling and progress", () => {
  it("polls until no job waits or runs", () => {
    const running = batch([job(1, { status: "running" }), job(2, {})]);
    const finished = batch([job(1, { status: "failed" }), job(2, {})]);
    expect(batchPollInterval(undefined)).toBe(pollIntervalMs);
    expect(batchPollInterval(running)).toBe(pollIntervalMs);
    expect(batchPollInterval(finished)).toBe(false);
  });

  it("counts failed jobs as finished", () => {
    const jobs = batch([
      job(1, { status: "queued" }),
      job(2, { status: "failed" }),
      job(3, {}),
      job(4, { status: "running" }),
    ]);
    expect(batchProgress(jobs)).toBe(0.5);
    expect(batchProgress(batch([]))).toBe(1);
  });

  it("lists changed scores by submission", () => {
    const jobs = batch([
      job(7, { score_changed: true, score: 0 }),
      job(3, {}),
      job(5, { score_changed: true, score: 2 }),
      job(9, { status: "running", score_changed: undefined }),
    ]);
    expect(changedScores(jobs).map((item) => item.submission_id)).toEqual([5, 7]);
  });
});

describe("score text", () => {
  it("formats scores without trailing zeros", () => {
    expect(formatScore(2, 3)).toBe("2 of 3 points");
    expect(formatScore(1.5, 2)).toBe("1.5 of 2 points");
    expect(formatScore(1 / 3, 1)).toBe("0.33 of 1 point");
  });

  it("says when there is no score", () => {
    expect(formatScore(null, 3)).toBe("no score");
    expect(formatScore(undefined, undefined)).toBe("no score");
    expect(formatScore(4, null)).toBe("4 points");
    expect(formatScore(1, undefined)).toBe("1 point");
  });

  it("counts passed tests", () => {
    const tests: TestResult[] = [
      { name: "a", score: 1, max_score: 1, status: "passed", output: "", visibility: "visible" },
      { name: "b", score: 0, max_score: 1, status: "failed", output: "", visibility: "visible" },
      { name: "c", score: 1, max_score: 1, status: "passed", output: "", visibility: "hidden" },
    ];
    expect(countPassed(tests)).toBe(2);
  });
});

describe("archiveProblem", () => {
  const file = (name: string) => new File(["x"], name);

  it("accepts tar, gzip and zip archives", () => {
    for (const name of ["grader.tar", "grader.tar.gz", "GRADER.TGZ", "grader.zip"]) {
      expect(archiveProblem(file(name))).toBeNull();
    }
  });

  it("rejects a missing file and other file types", () => {
    expect(archiveProblem(undefined)).toBe("Choose the grader archive.");
    expect(archiveProblem(file("grader.toml"))).toMatch(/\.tar, \.tar\.gz, \.tgz or \.zip/);
  });
});

describe("parseThreshold", () => {
  it("accepts numbers from 0 to 1", () => {
    expect(parseThreshold("0.5")).toBe(0.5);
    expect(parseThreshold(" 1 ")).toBe(1);
    expect(parseThreshold("0")).toBe(0);
  });

  it("rejects empty, out-of-range and non-numeric text", () => {
    for (const text of ["", "  ", "1.5", "-0.1", "abc", "NaN", "Infinity"]) {
      expect(parseThreshold(text)).toBeNull();
    }
  });
});
