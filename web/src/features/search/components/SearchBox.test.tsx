import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, useLocation } from "react-router";
import { describe, expect, it } from "vitest";

import { SearchBox } from "./SearchBox";

function Address() {
  const location = useLocation();
  return <output data-testid="address">{location.pathname + location.search}</output>;
}

function renderAt(path: string) {
  return render(
    <QueryClientProvider client={new QueryClient()}>
      <MemoryRouter initialEntries={[path]}>
        <SearchBox />
        <Address />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("SearchBox", () => {
  it("opens the search page for the typed words", async () => {
    renderAt("/labs");
    const box = screen.getByRole("searchbox", { name: "Site search" });
    expect(box).toHaveValue("");
    await userEvent.type(box, "  least squares {Enter}");
    expect(screen.getByTestId("address")).toHaveTextContent("/search?q=least+squares");
  });

  it("shows the query and keeps the type on the search page", async () => {
    renderAt("/search?q=pca&type=article&page=3");
    const box = screen.getByRole("searchbox", { name: "Site search" });
    expect(box).toHaveValue("pca");
    await userEvent.clear(box);
    await userEvent.type(box, "svd");
    await userEvent.click(screen.getByRole("button", { name: "Search" }));
    expect(screen.getByTestId("address")).toHaveTextContent("/search?q=svd&type=article");
  });
});
