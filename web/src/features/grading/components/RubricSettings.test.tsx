import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { RubricSettings } from "./RubricSettings";

afterEach(() => {
  vi.unstubAllGlobals();
});

const stored = {
  lab_id: 2,
  enabled: true,
  criteria: [{ name: "tests", description: "Covers the edge cases." }],
  scale: { min: 1, max: 5 },
  model_configured: false,
  created_at: 1,
  updated_at: 1,
};

describe("RubricSettings", () => {
  it("sends the criteria and scale the author entered", async () => {
    const missing = { error: { code: "not_found", message: "no rubric", details: [] } };
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(jsonResponse(404, missing))
      .mockResolvedValueOnce(jsonResponse(200, stored));
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<RubricSettings labId={2} />);

    await screen.findByText(/No rubric is set/);
    await userEvent.click(screen.getByLabelText(/Write a machine-written review draft/));
    await userEvent.click(screen.getByRole("button", { name: "Add a criterion" }));
    await userEvent.type(screen.getByLabelText("Criterion 1 name"), "tests");
    await userEvent.type(
      screen.getByLabelText("Criterion 1 description"),
      "Covers the edge cases.",
    );
    await userEvent.clear(screen.getByLabelText("Lowest score"));
    await userEvent.type(screen.getByLabelText("Lowest score"), "1");
    await userEvent.clear(screen.getByLabelText("Highest score"));
    await userEvent.type(screen.getByLabelText("Highest score"), "5");
    await userEvent.click(screen.getByRole("button", { name: "Save rubric" }));

    expect(await screen.findByText("The rubric is saved.")).toBeVisible();
    const [url, init] = fetchMock.mock.calls[1] as [string, RequestInit];
    expect(url).toBe("/api/v1/labs/2/rubric");
    expect(init.method).toBe("PUT");
    expect(JSON.parse(init.body as string)).toEqual({
      enabled: true,
      criteria: [{ name: "tests", description: "Covers the edge cases." }],
      scale: { min: 1, max: 5 },
    });
    expect(screen.getByTestId("rubric-state")).toHaveTextContent("No language model is configured");
  });

  it("sends no request for a lab without a rubric", async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse(200, stored));
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<RubricSettings labId={2} saved={false} />);

    expect(await screen.findByText(/No rubric is set/)).toBeVisible();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
