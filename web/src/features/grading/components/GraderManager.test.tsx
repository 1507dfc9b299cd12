import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { GraderManager } from "./GraderManager";

afterEach(() => {
  vi.unstubAllGlobals();
});

const grader = {
  lab_id: 2,
  version: 1,
  created_at: 1,
  kind: "tests",
  language: "python3",
  test_count: 1,
  tests: [{ name: "one", visibility: "visible", max_score: 1 }],
};

describe("GraderManager", () => {
  it("sends no request for a lab without a grader", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<GraderManager labId={2} attached={false} />);

    expect(await screen.findByText("No grader is attached.")).toBeVisible();
    expect(screen.getByRole("button", { name: "Attach grader" })).toBeVisible();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows no grader after detaching without asking again", async () => {
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(jsonResponse(200, grader))
      .mockResolvedValueOnce(new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<GraderManager labId={2} attached />);

    await userEvent.click(await screen.findByRole("button", { name: "Detach grader" }));
    const confirm = screen.getAllByRole("button", { name: "Detach grader" }).at(-1);
    if (confirm === undefined) throw new Error("no confirm button");
    await userEvent.click(confirm);

    expect(await screen.findByText("No grader is attached.")).toBeVisible();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect(url).toBe("/api/v1/labs/2/grader");
    expect(init.method).toBe("DELETE");
  });
});
