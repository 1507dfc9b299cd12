import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import type { SearchParams } from "../api/search-api";
import { SearchResults } from "./SearchResults";

afterEach(() => {
  vi.unstubAllGlobals();
});

function renderResults(params: SearchParams) {
  return renderWithProviders(<SearchResults params={params} onPageChange={() => undefined} />);
}

describe("SearchResults", () => {
  it("lists hits with links, marks and the total", async () => {
    const fetchMock = vi.fn().mockResolvedValue(
      jsonResponse(200, {
        items: [
          {
            type: "lab",
            id: 4,
            title: "Gradient descent",
            snippet: "a <mark>step</mark>",
            score: 2,
          },
          { type: "article", id: 9, title: "Optimizers", snippet: "", score: 1 },
        ],
        total: 12,
        page: 2,
        limit: 10,
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderResults({ q: "step", page: 2 });

    expect(await screen.findByRole("link", { name: "Gradient descent" })).toHaveAttribute(
      "href",
      "/labs/4",
    );
    expect(screen.getByRole("link", { name: "Optimizers" })).toHaveAttribute("href", "/articles/9");
    expect(screen.getByText("step").tagName).toBe("MARK");
    expect(screen.getByText(/12 results/)).toHaveTextContent("12 results, 11 to 12 shown");
    expect(screen.getByTestId("search-results")).toHaveAttribute("start", "11");
    expect(screen.getByText("Page 2 of 2")).toBeInTheDocument();
    expect(fetchMock.mock.calls[0]?.[0]).toBe("/api/v1/search?q=step&page=2&limit=10");
  });

  it("shows snippet markup as text", async () => {
    const hostile = {
      type: "lab",
      id: 1,
      title: "<img src=x onerror=alert(1)>",
      snippet: "&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>",
      score: 1,
    };
    vi.stubGlobal(
      "fetch",
      vi
        .fn()
        .mockResolvedValue(jsonResponse(200, { items: [hostile], total: 1, page: 1, limit: 10 })),
    );
    const { container } = renderResults({ q: "x", page: 1 });

    expect(await screen.findByText(/<script>alert\(1\)<\/script>/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "<img src=x onerror=alert(1)>" })).toBeInTheDocument();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
  });

  it("says when nothing matches and offers both types", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(jsonResponse(200, { items: [], total: 0, page: 1, limit: 10 })),
    );
    renderResults({ q: "zzz", type: "article", page: 1 });

    expect(await screen.findByText("No article matches “zzz”.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Search labs and articles" })).toHaveAttribute(
      "href",
      "/search?q=zzz",
    );
  });

  it("links back from a page past the end", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn().mockResolvedValue(jsonResponse(200, { items: [], total: 3, page: 7, limit: 10 })),
    );
    renderResults({ q: "pca", page: 7 });

    expect(await screen.findByText("Page 7 is past the last result.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to the first page" })).toHaveAttribute(
      "href",
      "/search?q=pca",
    );
  });

  it("shows the server's error", async () => {
    const invalid = {
      error: { code: "validation_failed", message: "Invalid request.", details: [] },
    };
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(jsonResponse(422, invalid)));
    renderResults({ q: "x", page: 1 });

    expect(await screen.findByRole("alert")).toHaveTextContent("The search failed.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });

  it("sends no request without words", () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    renderResults({ q: "", page: 1 });

    expect(screen.getByText("Search labs and articles")).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
