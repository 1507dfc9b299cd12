import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { SubmitForm } from "./SubmitForm";

const config = {
  points: { initial_points: 10 },
  submissions: { cost_points: 1, max_file_bytes: 1_000_000, max_files: 10 },
  reviews: { reward_points: 3, required_count: 1, claim_lease_seconds: 3600 },
  labs: { max_asset_bytes: 1_000_000 },
  articles: { max_pdf_bytes: 1_000_000 },
};

const copy = (id: number, title: string, labId: number) => ({
  id,
  title,
  copy_of: 3,
  parent_type: "lab",
  parent_id: labId,
  updated_at: Date.UTC(2026, 0, 2),
});

/** Stubs the JSON requests of the form: settings, the lab's notebooks and the caller's copies. */
function stubFetch(labNotebooks: { id: number }[]) {
  const fetchMock = vi.fn((input: string) => {
    const url = new URL(input, "http://localhost");
    if (url.pathname === "/api/v1/config") return Promise.resolve(jsonResponse(200, config));
    if (url.pathname === "/api/v1/notebooks") {
      return Promise.resolve(jsonResponse(200, { items: labNotebooks }));
    }
    if (url.pathname === "/api/v1/notebook-copies") {
      return Promise.resolve(
        jsonResponse(200, { items: [copy(21, "My sliders", 5), copy(22, "Other lab", 6)] }),
      );
    }
    return Promise.resolve(jsonResponse(404, { error: { code: "not_found", message: "no" } }));
  });
  vi.stubGlobal("fetch", fetchMock);
}

/** Records the multipart forms sent with XMLHttpRequest and responds 201. */
function stubUpload() {
  const sent: FormData[] = [];
  class FakeXhr {
    status = 0;
    responseText = "";
    upload = { addEventListener: vi.fn() };
    private listeners = new Map<string, () => void>();
    open = vi.fn();
    setRequestHeader = vi.fn();
    addEventListener(type: string, listener: () => void) {
      this.listeners.set(type, listener);
    }
    send(form: FormData) {
      sent.push(form);
      this.status = 201;
      this.responseText = JSON.stringify({ id: 9, lab_id: 5, files: [] });
      this.listeners.get("load")?.();
    }
  }
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  return sent;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

// Generous limits, because the form renders several queries and this machine may be loaded.
const testTimeout = 20_000;
const findTimeout = { timeout: 10_000 };

describe("SubmitForm", () => {
  it(
    "attaches the chosen copy of the lab's notebook",
    async () => {
      stubFetch([{ id: 3 }]);
      const sent = stubUpload();
      const onSubmitted = vi.fn();
      renderWithProviders(
        <SubmitForm labId={5} userId={7} balance={10} onSubmitted={onSubmitted} />,
      );

      const picker = await screen.findByLabelText("Notebook copy", {}, findTimeout);
      const options = screen.getAllByRole("option").map((option) => option.textContent);
      expect(options).toHaveLength(2);
      expect(options[0]).toBe("Attach no notebook");
      expect(options[1]).toContain("My sliders");
      await userEvent.selectOptions(picker, "21");
      await userEvent.click(screen.getByRole("button", { name: /Submit for review/ }));

      await vi.waitFor(() => {
        expect(onSubmitted).toHaveBeenCalledOnce();
      }, findTimeout);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.get("notebook_copy_id")).toBe("21");
      expect(sent[0]?.get("lab_id")).toBe("5");
    },
    testTimeout,
  );

  it(
    "shows no picker for a lab without notebooks",
    async () => {
      stubFetch([]);
      renderWithProviders(<SubmitForm labId={5} userId={7} balance={10} onSubmitted={vi.fn()} />);

      await screen.findByRole("button", { name: /Submit for review \(1 point\)/ }, findTimeout);
      await vi.waitFor(() => {
        expect(vi.mocked(fetch).mock.calls.length).toBeGreaterThanOrEqual(3);
      }, findTimeout);
      expect(screen.queryByLabelText("Notebook copy")).not.toBeInTheDocument();
      expect(screen.queryByText(/This lab has notebooks/)).not.toBeInTheDocument();
    },
    testTimeout,
  );

  it(
    "restores a draft and names lost files",
    async () => {
      stubFetch([]);
      const sent = stubUpload();
      window.sessionStorage.setItem(
        "openlabs.draft.7:submission:lab:5",
        JSON.stringify({ text: "my unsent answer", fileNames: ["solve.py", "data.csv"] }),
      );
      const onSubmitted = vi.fn();
      renderWithProviders(
        <SubmitForm labId={5} userId={7} balance={10} onSubmitted={onSubmitted} />,
      );

      const notice = await screen.findByTestId("restored-draft", {}, findTimeout);
      expect(notice).toHaveTextContent("We restored your answer");
      expect(notice).toHaveTextContent("Choose these files again: solve.py, data.csv.");
      await userEvent.click(
        await screen.findByRole("button", { name: /Submit for review \(1 point\)/ }, findTimeout),
      );

      await vi.waitFor(() => {
        expect(onSubmitted).toHaveBeenCalledOnce();
      }, findTimeout);
      expect(sent[0]?.get("text")).toBe("my unsent answer");
      expect(window.sessionStorage.getItem("openlabs.draft.7:submission:lab:5")).toBeNull();
    },
    testTimeout,
  );

  it(
    "tells a learner without points how to earn them",
    async () => {
      stubFetch([]);
      renderWithProviders(<SubmitForm labId={5} userId={7} balance={0} onSubmitted={vi.fn()} />);

      const alert = await screen.findByRole("alert", {}, findTimeout);
      expect(alert).toHaveTextContent("labs that you wrote or solved");
      expect(screen.getByRole("link", { name: "review queue" })).toHaveAttribute(
        "href",
        "/reviews",
      );
      expect(screen.getByRole("link", { name: "write a lab" })).toHaveAttribute(
        "href",
        "/labs/new",
      );
    },
    testTimeout,
  );
});
