import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { OpenSessions } from "./OpenSessions";

afterEach(() => {
  vi.unstubAllGlobals();
});

const summary = (id: string, started: number) => ({
  id,
  notebook_id: 7,
  started_at: started,
  last_active_at: started + 60_000,
  ended: false,
});

/** Returns a fetch mock that lists the given sessions and removes one on DELETE. */
function sessionServer(ids: string[]) {
  let open = ids.map((id, index) => summary(id, Date.UTC(2026, 11, 5, 9, index)));
  return vi.fn((url: string, init?: RequestInit) => {
    if (init?.method === "DELETE") {
      open = open.filter((item) => !url.endsWith(`/${item.id}`));
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    return Promise.resolve(jsonResponse(200, { items: open, max_sessions_per_user: 2 }));
  });
}

describe("OpenSessions", () => {
  it("offers to end the old sessions at the limit", async () => {
    const fetchMock = sessionServer(["old-1", "old-2"]);
    vi.stubGlobal("fetch", fetchMock);
    const onStart = vi.fn();
    renderWithProviders(<OpenSessions currentId={null} atLimit onStart={onStart} />);

    expect(await screen.findByText(/You have 2 sessions open/)).toBeInTheDocument();
    expect(screen.getByText(/at most 2 may run at once/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "End them and start this notebook" }));

    await waitFor(() => {
      expect(onStart).toHaveBeenCalledOnce();
    });
    const deleted = fetchMock.mock.calls
      .filter(([, init]) => init?.method === "DELETE")
      .map(([url]) => url);
    expect(deleted).toEqual(["/api/v1/notebook-sessions/old-1", "/api/v1/notebook-sessions/old-2"]);
    expect(await screen.findByText("You have no open sessions.")).toBeInTheDocument();
  });

  it("lists other sessions and ends one", async () => {
    const fetchMock = sessionServer(["mine", "other"]);
    vi.stubGlobal("fetch", fetchMock);
    renderWithProviders(<OpenSessions currentId="mine" atLimit={false} onStart={vi.fn()} />);

    await userEvent.click(screen.getByText("Your open notebook sessions"));
    const end = await screen.findByRole("button", { name: /End the session started/ });
    expect(screen.getAllByRole("listitem")).toHaveLength(1);
    await userEvent.click(end);

    expect(await screen.findByText("Only this notebook's session is open.")).toBeInTheDocument();
    const deleted = fetchMock.mock.calls.filter(([, init]) => init?.method === "DELETE");
    expect(deleted.map(([url]) => url)).toEqual(["/api/v1/notebook-sessions/other"]);
  });
});
