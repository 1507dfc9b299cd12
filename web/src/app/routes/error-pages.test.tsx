import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { tokenStore } from "@/lib/token-store";
import { jsonResponse } from "@/test/render";

import { ArticlePage } from "./ArticlePage";
import { LabPage } from "./LabPage";
import { ModerationPage } from "./ModerationPage";
import { SubmissionPage } from "./SubmissionPage";

const me = { id: 2, username: "learner", name: "Lea", surname: "Rner", role: "user" };

function apiError(status: number, code: string, message: string): Response {
  return jsonResponse(status, { error: { code, message, details: [] } });
}

/** Answers /users/me with a plain user and every other request with `failure`. */
function stubServer(failure: () => Response) {
  vi.stubGlobal(
    "fetch",
    vi.fn((url: string) =>
      Promise.resolve(url.endsWith("/users/me") ? jsonResponse(200, me) : failure()),
    ),
  );
}

function renderAt(path: string, pattern: string, page: React.ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={pattern} element={page} />
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

// The first render loads the page modules, which takes seconds on a busy machine.
describe("error pages", { timeout: 30_000 }, () => {
  it("names a missing lab in the page heading", async () => {
    stubServer(() => apiError(404, "not_found", "Lab 99999 not found."));
    renderAt("/labs/99999", "/labs/:id", <LabPage />);

    expect(
      await screen.findByRole("heading", { level: 1, name: "Lab not found" }),
    ).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("This lab could not be loaded.");
  });

  it("names a missing article in the page heading", async () => {
    stubServer(() => apiError(404, "not_found", "Article 99999 not found."));
    renderAt("/articles/99999", "/articles/:id", <ArticlePage />);

    expect(
      await screen.findByRole("heading", { level: 1, name: "Article not found" }),
    ).toBeInTheDocument();
  });

  it("gives another user's submission a heading", async () => {
    stubServer(() => apiError(403, "permission_denied", "Only the submitter may see this."));
    renderAt("/submissions/1", "/submissions/:id", <SubmissionPage />);

    expect(
      await screen.findByRole("heading", { level: 1, name: "Submission not available to you" }),
    ).toBeInTheDocument();
  });

  it("gives the moderation page a heading for a non-moderator", async () => {
    stubServer(() => apiError(500, "internal", "unexpected request"));
    renderAt("/moderation", "/moderation", <ModerationPage />);

    expect(
      await screen.findByRole("heading", { level: 1, name: "Moderation" }),
    ).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent("Only moderators and admins");
  });
});
