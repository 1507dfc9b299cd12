import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { tokenStore } from "@/lib/token-store";
import { jsonResponse, renderWithProviders } from "@/test/render";

import { AssistantPanel } from "./AssistantPanel";

const emptyList = { items: [], page: 1, limit: 10 };

/** Returns a fetch stub that responds by request path, so the order of requests does not matter. */
function routeFetch(routes: Record<string, unknown>) {
  return vi.fn((url: string) => {
    const path = url.split("?")[0] ?? url;
    const body = routes[path];
    if (body === undefined) return Promise.resolve(jsonResponse(404, { error: {} }));
    return Promise.resolve(jsonResponse(200, body));
  });
}

beforeEach(() => {
  tokenStore.set({ accessToken: "access", refreshToken: "refresh" });
});

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.clear();
});

describe("AssistantPanel", () => {
  it("accepts questions on an article page", async () => {
    const fetchMock = routeFetch({ "/api/v1/assistant/conversations": emptyList });
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<AssistantPanel scope={{ article_id: 3 }} />);

    expect(await screen.findByText("You have no past conversations here.")).toBeVisible();
    expect(screen.getByRole("button", { name: "Ask" })).toBeEnabled();
    const urls = fetchMock.mock.calls.map(([url]) => url);
    expect(urls).toContain("/api/v1/assistant/conversations?article_id=3&page=1&limit=10");
    expect(urls.some((url) => url.includes("/labs/"))).toBe(false);
  });

  it("asks for a question before sending an empty one", async () => {
    const fetchMock = routeFetch({ "/api/v1/assistant/conversations": emptyList });
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<AssistantPanel scope={{ article_id: 3 }} />);
    await screen.findByText("You have no past conversations here.");

    await userEvent.type(screen.getByLabelText("Your question"), "   ");
    await userEvent.click(screen.getByRole("button", { name: "Ask" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Type a question first.");
    expect(screen.getByLabelText("Your question")).toHaveAttribute("aria-invalid", "true");
    const chats = fetchMock.mock.calls.filter(([url]) => url.includes("/chat"));
    expect(chats).toHaveLength(0);

    await userEvent.type(screen.getByLabelText("Your question"), "Why?");
    expect(screen.queryByText("Type a question first.")).toBeNull();
  });

  it("says when the author turned it off", async () => {
    vi.stubGlobal(
      "fetch",
      routeFetch({
        "/api/v1/labs/4/assistant": { lab_id: 4, mode: "off", model_configured: false },
        "/api/v1/assistant/conversations": emptyList,
      }),
    );
    renderWithProviders(<AssistantPanel scope={{ lab_id: 4 }} />);

    expect(
      await screen.findByText("The author turned the assistant off for this lab."),
    ).toBeVisible();
    expect(screen.queryByRole("button", { name: "Ask" })).toBeNull();
    expect(screen.queryByLabelText("Your question")).toBeNull();
  });

  it("lists past conversations with a delete control", async () => {
    const conversation = {
      id: 8,
      scope: { lab_id: 4 },
      title: "What does loadtxt return?",
      created_at: 1,
      updated_at: 2,
    };
    vi.stubGlobal(
      "fetch",
      routeFetch({
        "/api/v1/labs/4/assistant": { lab_id: 4, mode: "guide", model_configured: false },
        "/api/v1/assistant/conversations": { items: [conversation], page: 1, limit: 10 },
      }),
    );
    renderWithProviders(<AssistantPanel scope={{ lab_id: 4 }} />);

    const item = await screen.findByTestId("past-conversation");
    expect(item).toHaveTextContent("What does loadtxt return?");
    expect(
      screen.getByRole("button", { name: "Delete “What does loadtxt return?”" }),
    ).toBeVisible();
    expect(await screen.findByTestId("assistant-mode")).toHaveTextContent(/solution sections/);
    expect(screen.getByRole("button", { name: "Ask" })).toBeEnabled();
  });
});
