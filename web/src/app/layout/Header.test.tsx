import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { Header } from "./Header";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("Header", () => {
  it("closes the phone menu on Escape", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.resolve(jsonResponse(200, {}))),
    );
    const user = userEvent.setup();
    renderWithProviders(<Header />);
    const menuButton = screen.getByRole("button", { name: "Menu" });

    await user.click(menuButton);
    expect(menuButton).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByRole("navigation", { name: "Main (mobile)" })).toBeInTheDocument();
    await user.keyboard("{Escape}");

    expect(menuButton).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("navigation", { name: "Main (mobile)" })).not.toBeInTheDocument();
    expect(menuButton).toHaveFocus();
  });
});
