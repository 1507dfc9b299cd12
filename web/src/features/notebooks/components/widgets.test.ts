import { describe, expect, it, vi } from "vitest";

import { hydrateWidgets, type WidgetHost } from "./widgets";

/** A widget element in the kernel's format (see kernel/marimo/ui.py). */
function widget(
  id: string,
  kind: string,
  props: Record<string, unknown>,
  value: unknown,
  inner = "",
  label = "",
): string {
  const attribute = (text: string) =>
    text.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
  return (
    `<openlabs-widget data-id="${id}" data-kind="${kind}" data-label="${attribute(label)}" ` +
    `data-props="${attribute(JSON.stringify(props))}" ` +
    `data-value="${attribute(JSON.stringify(value))}">${inner}</openlabs-widget>`
  );
}

function render(html: string) {
  const root = document.createElement("div");
  root.innerHTML = html;
  document.body.replaceChildren(root);
  const host = {
    setValue: vi.fn<WidgetHost["setValue"]>(),
    uploadFiles: vi.fn<WidgetHost["uploadFiles"]>(() => Promise.resolve()),
  };
  hydrateWidgets(root, host);
  return { root, host };
}

function change(element: Element | null, value: string) {
  if (!(element instanceof HTMLInputElement)) {
    throw new Error("expected an input");
  }
  element.value = value;
  element.dispatchEvent(new Event("change", { bubbles: true }));
}

function click(element: Element | null) {
  if (!(element instanceof HTMLInputElement)) {
    throw new Error("expected an input");
  }
  element.click();
}

describe("hydrateWidgets", () => {
  it("sends a range slider's sorted pair", () => {
    const { root, host } = render(widget("c1-1", "range_slider", { start: 0, stop: 10 }, [2, 5]));
    change(root.querySelector("input[data-end=low]"), "8");
    expect(host.setValue).toHaveBeenCalledWith("c1-1", [5, 8]);
  });

  it("snaps a range slider's thumbs to steps", () => {
    const { root, host } = render(
      widget(
        "c1-1",
        "range_slider",
        { start: 0, stop: 1000, steps: [0, 10, 100, 1000] },
        [10, 100],
      ),
    );
    const high = root.querySelector("input[data-end=high]");
    expect(high?.getAttribute("max")).toBe("3");
    expect((high as HTMLInputElement).value).toBe("2");
    change(high, "3");
    expect(host.setValue).toHaveBeenCalledWith("c1-1", [10, 1000]);
    expect(root.querySelector("output")?.textContent).toBe("10 – 1000");
  });

  it("moves a slider with steps over the steps only", () => {
    const { root, host } = render(
      widget("c1-1", "slider", { start: 1, stop: 20, steps: [1, 2, 5, 10, 20] }, 5),
    );
    const input = root.querySelector("input[type=range]");
    expect(input?.getAttribute("max")).toBe("4");
    expect((input as HTMLInputElement).value).toBe("2");
    expect(root.querySelector("output")?.textContent).toBe("5");
    change(input, "3");
    expect(root.querySelector("output")?.textContent).toBe("10");
    expect(host.setValue).toHaveBeenCalledWith("c1-1", 10);
  });

  it("switches tabs and sends the selected name", () => {
    const inner =
      '<section data-tab="Plot">plot here</section>' +
      `<section data-tab="Data">${widget("c1-1", "slider", { start: 0, stop: 5 }, 2)}</section>`;
    const { root, host } = render(
      widget("c1-2", "tabs", { tabs: ["Plot", "Data"] }, "Plot", inner),
    );
    const tabs = Array.from(root.querySelectorAll("[role=tab]"));
    expect(tabs.map((tab) => tab.textContent)).toEqual(["Plot", "Data"]);
    expect(tabs[0]?.getAttribute("aria-selected")).toBe("true");
    const panels = Array.from(root.querySelectorAll<HTMLElement>("[role=tabpanel]"));
    expect(panels.map((panel) => panel.hidden)).toEqual([false, true]);

    (tabs[1] as HTMLButtonElement).click();
    expect(panels.map((panel) => panel.hidden)).toEqual([true, false]);
    expect(tabs[1]?.getAttribute("aria-selected")).toBe("true");
    expect(host.setValue).toHaveBeenCalledWith("c1-2", "Data");

    // The slider inside a tab is live.
    change(panels[1]?.querySelector("input[type=range]") ?? null, "4");
    expect(host.setValue).toHaveBeenCalledWith("c1-1", 4);

    // Selecting the tab already shown sends nothing.
    (tabs[1] as HTMLButtonElement).click();
    expect(host.setValue).toHaveBeenCalledTimes(2);
  });

  it("moves between tabs with arrow keys", () => {
    const inner = '<section data-tab="A">a</section><section data-tab="B">b</section>';
    const { root, host } = render(widget("c1-1", "tabs", { tabs: ["A", "B"] }, "B", inner));
    const tabs = Array.from(root.querySelectorAll<HTMLElement>("[role=tab]"));
    tabs[1]?.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(host.setValue).toHaveBeenCalledWith("c1-1", "A");
    expect(document.activeElement).toBe(tabs[0]);
  });

  it("shows a Markdown label as text", () => {
    const { root } = render(
      widget(
        "c1-1",
        "slider",
        { start: 1, stop: 3 },
        1,
        "",
        '<em>x</em> <img src="y" onerror="z">',
      ),
    );
    expect(root.querySelector("label")?.textContent).toBe("x1");
    expect(root.querySelector("em, img")).toBeNull();
  });

  it("sends a table's selected row indices", () => {
    const table =
      "<table><thead><tr><th>n</th></tr></thead><tbody>" +
      '<tr data-row="0"><td>a</td></tr><tr data-row="1"><td>b</td></tr>' +
      '<tr data-row="2"><td>c</td></tr></tbody></table>';
    const { root, host } = render(
      widget("c1-1", "table", { selection: "multi", page_size: 10, row_count: 3 }, [], table),
    );
    click(root.querySelector("input[aria-label='Select row 3']"));
    click(root.querySelector("input[aria-label='Select row 1']"));
    expect(host.setValue).toHaveBeenLastCalledWith("c1-1", [0, 2]);
  });

  it("hydrates sliders inside a table's cells", () => {
    const slider = widget("c3-1", "slider", { start: 0, stop: 100, step: 10 }, 20);
    const table =
      "<table><thead><tr><th>parameter</th><th>control</th></tr></thead><tbody>" +
      `<tr data-row="0"><td>years</td><td>${slider}</td></tr></tbody></table>`;
    const { root, host } = render(
      '<div class="markdown"><h2>Parameters</h2>' +
        widget("c3-2", "table", { selection: null, page_size: 10, row_count: 1 }, [], table) +
        "</div>",
    );
    const input = root.querySelector("td input[type=range]");
    expect(input?.getAttribute("aria-label")).toBe("years");
    expect(root.textContent).not.toContain("openlabs-widget");
    change(input, "40");
    expect(host.setValue).toHaveBeenCalledWith("c3-1", 40);
  });

  it("pages a long table", () => {
    const rows = Array.from({ length: 12 }, (_, i) => `<tr data-row="${i}"><td>${i}</td></tr>`);
    const { root } = render(
      widget(
        "c1-1",
        "table",
        { selection: "single", page_size: 5, row_count: 12 },
        [],
        `<table><tbody>${rows.join("")}</tbody></table>`,
      ),
    );
    const visible = () => root.querySelectorAll("tbody tr:not([hidden])").length;
    expect(visible()).toBe(5);
    const next = Array.from(root.querySelectorAll("button")).find(
      (button) => button.textContent === "Next page",
    );
    next?.click();
    next?.click();
    expect(visible()).toBe(2);
  });

  it("sends a matrix with the changed entry", () => {
    const { root, host } = render(
      widget("c1-1", "matrix", { step: 1 }, [
        [1, 2],
        [3, 4],
      ]),
    );
    change(root.querySelector("input[aria-label='matrix row 2 column 1']"), "9");
    expect(host.setValue).toHaveBeenCalledWith("c1-1", [
      [1, 2],
      [9, 4],
    ]);
  });

  it("bounds a number field by start and stop", () => {
    const { root } = render(widget("c1-1", "number", { start: 1, stop: 10, step: 0.5 }, 2));
    const input = root.querySelector("input[type=number]");
    expect(input?.getAttribute("min")).toBe("1");
    expect(input?.getAttribute("max")).toBe("10");
    expect(input?.getAttribute("step")).toBe("0.5");
  });

  it("sends null for an emptied number field", () => {
    const { root, host } = render(widget("c1-1", "number", { start: 1, stop: 10 }, 2));
    change(root.querySelector("input[type=number]"), "");
    expect(host.setValue).toHaveBeenCalledWith("c1-1", null);
    expect(host.setValue).not.toHaveBeenCalledWith("c1-1", 0);
  });

  it("sends an array child's change under the child's id", () => {
    const children = widget("c1-1", "number", {}, 1) + widget("c1-2", "number", {}, 2);
    const { root, host } = render(
      widget("c1-3", "array", { children: ["c1-1", "c1-2"] }, [1, 2], children),
    );
    change(root.querySelectorAll("input[type=number]")[1] ?? null, "5");
    expect(host.setValue).toHaveBeenCalledWith("c1-2", 5);
  });

  it("sends a form's value on submit only", () => {
    const batch = widget(
      "c1-3",
      "batch",
      { children: ["c1-1", "c1-2"], keys: ["x", "name"] },
      { x: 1, name: "" },
      `<p>${widget("c1-1", "slider", { start: 1, stop: 10 }, 1)}</p>` +
        `<p>${widget("c1-2", "text", {}, "")}</p>`,
    );
    const { root, host } = render(
      widget("c1-4", "form", { children: ["c1-3"], show_clear_button: true }, null, batch),
    );
    change(root.querySelector("input[type=range]"), "7");
    const text = root.querySelector("input:not([type=range])");
    change(text, "Ada");
    expect(host.setValue).not.toHaveBeenCalled();
    root.querySelector("form")?.requestSubmit();
    expect(host.setValue).toHaveBeenCalledWith("c1-4", { x: 7, name: "Ada" });
  });

  it("restores a form's values on clear", () => {
    const { root, host } = render(
      widget(
        "c1-2",
        "form",
        { children: ["c1-1"], show_clear_button: true },
        null,
        widget("c1-1", "number", {}, 3),
      ),
    );
    change(root.querySelector("input[type=number]"), "8");
    const clear = Array.from(root.querySelectorAll("button")).find(
      (button) => button.textContent === "Clear",
    );
    clear?.click();
    root.querySelector("form")?.requestSubmit();
    expect(host.setValue).toHaveBeenCalledWith("c1-2", 3);
  });

  it("uploads chosen files and rejects those over max_size", async () => {
    const { root, host } = render(widget("c1-1", "file", { max_size: 4, multiple: true }, []));
    const input = root.querySelector("input[type=file]");
    if (!(input instanceof HTMLInputElement)) {
      throw new Error("expected a file input");
    }
    const chosen = (files: File[]) => {
      Object.defineProperty(input, "files", { value: files, configurable: true });
      input.dispatchEvent(new Event("change"));
    };
    chosen([new File(["too long"], "big.txt")]);
    expect(host.uploadFiles).not.toHaveBeenCalled();
    expect(root.querySelector("[role=alert]")?.textContent).toContain("big.txt");
    const small = new File(["ok"], "small.txt");
    chosen([small]);
    expect(host.uploadFiles).toHaveBeenCalledWith("c1-1", [small]);
    await Promise.resolve();
    expect(root.querySelector("[role=status]")?.textContent).toBe("Uploaded: small.txt");
  });
});
