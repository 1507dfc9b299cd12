import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { GraderNotice } from "./GraderNotice";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("GraderNotice", () => {
  it("names the language and test count", async () => {
    const grader = { lab_id: 2, version: 1, created_at: 0, language: "python3", test_count: 3 };
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(200, grader));
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<GraderNotice labId={2} />);

    const notice = await screen.findByTestId("grader-notice");
    expect(notice).toHaveTextContent("This lab has an autograder (python3).");
    expect(notice).toHaveTextContent("run against 3 tests");
    expect(fetchMock.mock.calls[0]?.[0]).toBe("/api/v1/labs/2/grader");
  });

  it("renders nothing without a grader", async () => {
    const missing = { error: { code: "not_found", message: "no grader", details: [] } };
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(404, missing));
    vi.stubGlobal("fetch", fetchMock);
    const { container } = renderWithProviders(<GraderNotice labId={2} />);

    await vi.waitFor(() => {
      expect(fetchMock).toHaveBeenCalledOnce();
    });
    // Lets the query settle into its error state before checking that nothing rendered.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(container).toBeEmptyDOMElement();
  });

  it("sends no request for a lab without a grader", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    const { container } = renderWithProviders(<GraderNotice labId={2} attached={false} />);

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetchMock).not.toHaveBeenCalled();
    expect(container).toBeEmptyDOMElement();
  });
});
