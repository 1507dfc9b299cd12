import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { tokenStore } from "@/lib/token-store";
import { jsonResponse } from "@/test/render";

import { SubmissionPage } from "./SubmissionPage";
import { SubmissionsPage } from "./SubmissionsPage";

const me = { id: 2, username: "learner", name: "Lea", surname: "Rner", role: "user" };

const submission = {
  id: 5,
  lab_id: 3,
  learner_id: 2,
  text: "My answer",
  status: "submitted",
  files: [],
  reviews_count: 0,
  required_reviews: 3,
  cost_points: 1,
  created_at: 1_700_000_000_000,
  updated_at: 1_700_000_000_000,
  may_claim: false,
  reviews: [],
};

const noRefund =
  "The submission was deleted without a refund of its 1 point, because the automatic tests " +
  "had already started on it.";

/** Stubs the requests of the submission page and its deletion, and returns 404 for others. */
function stubServer() {
  const fetchMock = vi.fn((url: string, init?: RequestInit) => {
    if (url.endsWith("/users/me")) return Promise.resolve(jsonResponse(200, me));
    if (url.endsWith("/submissions/5") && init?.method === "DELETE") {
      return Promise.resolve(
        jsonResponse(200, { id: 5, refunded_points: 0, grading_started: true, message: noRefund }),
      );
    }
    if (url.endsWith("/submissions/5")) return Promise.resolve(jsonResponse(200, submission));
    if (url.includes("/submissions/mine")) {
      return Promise.resolve(jsonResponse(200, { items: [], total: 0 }));
    }
    return Promise.resolve(
      jsonResponse(404, { error: { code: "not_found", message: "Not found.", details: [] } }),
    );
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** Renders the submission page and the list page, starting at `path`. */
function renderAt(path: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/submissions/:id" element={<SubmissionPage />} />
          <Route path="/submissions" element={<SubmissionsPage />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  tokenStore.set({ accessToken: "access", refreshToken: "refresh" });
});

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.clear();
});

describe("deleting a submission", () => {
  it("shows the server's refund message on the list page", async () => {
    const fetchMock = stubServer();
    renderAt("/submissions/5");
    const user = userEvent.setup();

    await user.click(await screen.findByRole("button", { name: "Delete submission" }));
    await user.click(screen.getByRole("button", { name: "Delete submission" }));

    expect(await screen.findByRole("heading", { name: "My submissions" })).toBeInTheDocument();
    expect(screen.getByText(noRefund)).toHaveAttribute("role", "status");
    expect(fetchMock).toHaveBeenCalledWith(
      "/api/v1/submissions/5",
      expect.objectContaining({ method: "DELETE" }),
    );
  });

  it("shows no notice on a plain visit of the list page", async () => {
    stubServer();
    renderAt("/submissions");

    expect(await screen.findByRole("heading", { name: "My submissions" })).toBeInTheDocument();
    expect(screen.queryByText(/was deleted/)).not.toBeInTheDocument();
  });
});
