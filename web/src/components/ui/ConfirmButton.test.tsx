import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { ConfirmButton } from "./ConfirmButton";

function renderButton(onConfirm: () => void) {
  render(
    <ConfirmButton
      label="Delete"
      question="Delete this article?"
      confirmLabel="Delete article"
      onConfirm={onConfirm}
    />,
  );
}

describe("ConfirmButton", () => {
  it("asks before running the action", async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    renderButton(onConfirm);
    await user.click(screen.getByRole("button", { name: "Delete" }));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.getByRole("group", { name: "Delete this article?" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Delete article" }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });

  it("cancels with Escape and refocuses the opener", async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn();
    renderButton(onConfirm);
    await user.click(screen.getByRole("button", { name: "Delete" }));
    await user.keyboard("{Escape}");
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.queryByRole("group")).toBeNull();
    expect(screen.getByRole("button", { name: "Delete" })).toHaveFocus();
  });
});
