import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { RubricReviewDraft } from "./RubricReviewDraft";

afterEach(() => {
  vi.unstubAllGlobals();
});

const draft = {
  submission_id: 7,
  lab_id: 2,
  machine_written: true,
  status: "done",
  attempts: 1,
  model: "small-chat",
  criteria: [
    { name: "correctness", description: "" },
    { name: "readability", description: "" },
  ],
  scale: { min: 0, max: 10 },
  scores: [
    { criterion: "correctness", score: 8, justification: "Handles the examples." },
    { criterion: "readability", score: 6, justification: "Short names." },
  ],
  summary: "Solid, with terse names.",
  total: 14,
  max_total: 20,
  error: "",
  created_at: 0,
  updated_at: 0,
};

describe("RubricReviewDraft", () => {
  it("labels the draft as machine-written", async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(200, draft));
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<RubricReviewDraft submissionId={7} />);

    const section = await screen.findByRole("region", { name: /Machine-written review draft/ });
    expect(section).toHaveTextContent("A language model (small-chat) wrote this draft");
    expect(section).toHaveTextContent("It is not a peer review");
    expect(section).toHaveTextContent("Total: 14 of 20");
    expect(section).toHaveTextContent("correctness: 8 (0 to 10)");
    expect(section).toHaveTextContent("Short names.");
    expect(fetchMock.mock.calls[0]?.[0]).toBe("/api/v1/submissions/7/rubric-review");
  });

  it("renders nothing without a language model", async () => {
    const conflict = { error: { code: "failed_precondition", message: "no model", details: [] } };
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(409, conflict));
    vi.stubGlobal("fetch", fetchMock);
    const { container } = renderWithProviders(<RubricReviewDraft submissionId={7} />);

    await vi.waitFor(() => {
      expect(fetchMock).toHaveBeenCalledOnce();
    });
    // Lets the query settle into its error state before checking that nothing rendered.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(container).toBeEmptyDOMElement();
  });
});
