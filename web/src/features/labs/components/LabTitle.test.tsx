import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { LabTitle } from "./LabTitle";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("LabTitle", () => {
  it("shows the title without counting a view", async () => {
    const fetchMock = vi.fn((_input: string) =>
      Promise.resolve(jsonResponse(200, { id: 12, title: "Spirals" })),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(
      <p>
        <LabTitle id={12} />
      </p>,
    );

    expect(screen.getByText("lab #12")).toBeInTheDocument();
    expect(await screen.findByText("Spirals")).toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledOnce();
    expect(String(fetchMock.mock.calls[0]?.[0])).toBe("/api/v1/labs/12?count_view=false");
  });
});
