import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { ApiError } from "@/lib/api-error";

import { CommentForm } from "./CommentForm";

describe("CommentForm", () => {
  it("hides the stale server error", async () => {
    const user = userEvent.setup();
    const networkError = new ApiError(0, "network", "Could not reach the server.");
    render(
      <CommentForm
        label="Add a comment"
        submitLabel="Comment"
        busy={false}
        error={networkError}
        onSubmit={vi.fn(() => Promise.resolve())}
      />,
    );
    expect(screen.getByText("Could not reach the server.")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Comment" }));

    expect(screen.getByText("Write something first.")).toBeInTheDocument();
    expect(screen.queryByText("Could not reach the server.")).not.toBeInTheDocument();
  });
});
