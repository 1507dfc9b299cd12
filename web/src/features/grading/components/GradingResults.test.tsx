import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { GradingResults } from "./GradingResults";

afterEach(() => {
  vi.unstubAllGlobals();
});

const learnerView = {
  job_id: 3,
  submission_id: 5,
  status: "done",
  attempts: 1,
  created_at: 0,
  updated_at: 0,
  finished_at: 1_700_000_000_000,
  score: 1,
  max_score: 2,
  view: "visible_tests",
  hidden_tests: 1,
  results: {
    score: 1,
    max_score: 2,
    output: "",
    execution_time: 0.1,
    tests: [
      { name: "one", score: 1, max_score: 1, status: "passed", output: "", visibility: "visible" },
      {
        name: "two",
        score: 0,
        max_score: 1,
        status: "failed",
        output: "expected 4, got 5",
        visibility: "visible",
      },
    ],
  },
};

describe("GradingResults", () => {
  it("shows each visible test and says how many are hidden", async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(200, learnerView));
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<GradingResults submissionId={5} />);

    const tests = await screen.findAllByTestId("test-result");
    expect(tests).toHaveLength(2);
    expect(tests[0]).toHaveTextContent("Passed");
    expect(tests[1]).toHaveTextContent("Failed");
    expect(tests[1]).toHaveTextContent("expected 4, got 5");
    expect(screen.getByTestId("grading-score")).toHaveTextContent("1 of 2 points");
    expect(screen.getByText(/1 of 2 tests passed/)).toBeInTheDocument();
    expect(screen.getByText(/1 more test is hidden from you/)).toBeInTheDocument();
    expect(fetchMock.mock.calls[0]?.[0]).toBe("/api/v1/submissions/5/grading");
  });

  it("shows progress while the job runs", async () => {
    const running = { ...learnerView, status: "running", results: undefined, score: null };
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(jsonResponse(200, running)));
    renderWithProviders(<GradingResults submissionId={5} />);

    expect(await screen.findByRole("progressbar", { name: "Running the tests" })).toBeVisible();
    expect(screen.getByTestId("grading-status")).toHaveTextContent("Running");
    expect(screen.queryByTestId("test-result")).toBeNull();
  });

  it("says when no grading job exists", async () => {
    const missing = { error: { code: "not_found", message: "no grading job", details: [] } };
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(jsonResponse(404, missing)));
    renderWithProviders(<GradingResults submissionId={5} />);

    expect(await screen.findByText("No automatic tests ran on this submission.")).toBeVisible();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("explains a failure of the machinery", async () => {
    const failed = { ...learnerView, status: "failed", results: undefined, error: "disk full" };
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(jsonResponse(200, failed)));
    renderWithProviders(<GradingResults submissionId={5} />);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("not in the submission");
    expect(alert).toHaveTextContent("disk full");
  });
});
