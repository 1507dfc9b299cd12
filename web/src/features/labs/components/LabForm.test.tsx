import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import { jsonResponse, renderWithProviders } from "@/test/render";

import { LabForm } from "./LabForm";

const savedLab = {
  id: 16,
  title: "Spirals",
  description: "",
  body: "Fit a spiral.",
  tags: [],
  assets: [],
};

/** Stubs the JSON API: creating and updating the lab both succeed. */
function stubFetch() {
  const fetchMock = vi.fn((input: string, init?: RequestInit) => {
    const url = new URL(input, "http://localhost");
    const method = init?.method ?? "GET";
    if (url.pathname === "/api/v1/labs" && method === "POST") {
      return Promise.resolve(jsonResponse(201, savedLab));
    }
    if (url.pathname === "/api/v1/labs/16" && method === "PATCH") {
      return Promise.resolve(jsonResponse(200, savedLab));
    }
    return Promise.resolve(jsonResponse(200, { ...savedLab, assets: [] }));
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** Fails the first asset upload with a network error and accepts the next ones. */
function stubFlakyUpload() {
  const urls: string[] = [];
  class FlakyXhr {
    status = 0;
    responseText = "";
    upload = { addEventListener: vi.fn() };
    private listeners = new Map<string, () => void>();
    private url = "";
    open = (_method: string, url: string) => {
      this.url = url;
    };
    setRequestHeader = vi.fn();
    addEventListener(type: string, listener: () => void) {
      this.listeners.set(type, listener);
    }
    send() {
      urls.push(this.url);
      if (urls.length === 1) {
        this.listeners.get("error")?.();
        return;
      }
      this.status = 201;
      this.responseText = JSON.stringify({ items: [] });
      this.listeners.get("load")?.();
    }
  }
  vi.stubGlobal("XMLHttpRequest", FlakyXhr);
  return urls;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

// jsdom has no layout, and CodeMirror measures text ranges to draw the cursor.
if (typeof Range.prototype.getClientRects !== "function") {
  Range.prototype.getClientRects = () => [] as unknown as DOMRectList;
  Range.prototype.getBoundingClientRect = () => new DOMRect();
}

const findTimeout = { timeout: 10_000 };

describe("LabForm", () => {
  it("retries a failed upload without a second lab", async () => {
    const fetchMock = stubFetch();
    const uploads = stubFlakyUpload();
    const onSaved = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<LabForm onSaved={onSaved} />);

    await user.type(screen.getByLabelText("Title"), "Spirals");
    const body = await screen.findByRole("textbox", { name: "Text" }, findTimeout);
    await user.click(body);
    await user.keyboard("Fit a spiral.");
    await user.upload(
      screen.getByLabelText("Files (images, data)"),
      new File(["png"], "plot.png", { type: "image/png" }),
    );
    await user.click(screen.getByRole("button", { name: "Publish lab" }));

    await screen.findByText(
      "The lab was saved, but its files could not be uploaded.",
      {},
      findTimeout,
    );
    expect(screen.getByTestId("lab-saved-without-files")).toHaveTextContent("Spirals");
    expect(onSaved).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Upload the files again" }));

    await vi.waitFor(() => {
      expect(onSaved).toHaveBeenCalledOnce();
    }, findTimeout);
    const writes = fetchMock.mock.calls.map(([url, init]) => `${init?.method ?? "GET"} ${url}`);
    expect(writes.filter((call) => call.startsWith("POST"))).toEqual(["POST /api/v1/labs"]);
    expect(writes.filter((call) => call.startsWith("PATCH"))).toEqual(["PATCH /api/v1/labs/16"]);
    expect(uploads).toEqual(["/api/v1/labs/16/assets", "/api/v1/labs/16/assets"]);
  }, 20_000);
});
