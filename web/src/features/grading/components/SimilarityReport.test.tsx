import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { SimilarityReport } from "./SimilarityReport";

afterEach(() => {
  vi.unstubAllGlobals();
});

const report = {
  lab_id: 2,
  threshold: 0.4,
  submissions_compared: 3,
  method: "winnowing over normalized tokens",
  pairs: [
    {
      submission_a: 10,
      learner_a: 5,
      submission_b: 11,
      learner_b: 6,
      score: 0.83,
      shared_fingerprints: 12,
      regions: [
        {
          a: { first_line: 1, last_line: 2, text: "def twice(n):\n  return n + n\n" },
          b: { first_line: 3, last_line: 4, text: "def double(x):\n  return x + x\n" },
        },
      ],
    },
  ],
};

describe("SimilarityReport", () => {
  it("shows matching lines side by side", async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(200, report));
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(
      <SimilarityReport labId={2} renderLearner={(id) => <span>learner {id}</span>} />,
    );

    const field = screen.getByLabelText("Lowest similarity (0 to 1)");
    await userEvent.clear(field);
    await userEvent.type(field, "0.4");
    await userEvent.click(screen.getByRole("button", { name: "Compare submissions" }));

    const pair = await screen.findByTestId("similar-pair");
    expect(pair).toHaveTextContent("83% similar");
    expect(pair).toHaveTextContent("learner 5");
    expect(pair).toHaveTextContent("learner 6");
    expect(screen.getByText("Submission #10, lines 1–2")).toBeVisible();
    expect(screen.getByText("Submission #11, lines 3–4")).toBeVisible();
    expect(screen.getByText(/def double\(x\)/)).toBeVisible();
    expect(screen.getByRole("status")).toHaveTextContent(
      "Compared 3 submissions: 1 pair reaches 0.4.",
    );
    expect(fetchMock.mock.calls[0]?.[0]).toBe("/api/v1/labs/2/similarity?threshold=0.4");
  });

  it("rejects a threshold above 1 before sending", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<SimilarityReport labId={2} renderLearner={() => null} />);

    const field = screen.getByLabelText("Lowest similarity (0 to 1)");
    await userEvent.clear(field);
    await userEvent.type(field, "2");
    await userEvent.click(screen.getByRole("button", { name: "Compare submissions" }));

    expect(screen.getByText("Enter a number from 0 to 1, such as 0.5.")).toBeVisible();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
