import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import MarkdownRenderer from "./MarkdownRenderer";

const assets: Record<string, string> = {
  "assets/eg/spiral_raw.png": "/api/v1/labs/3/assets/a1",
  "img/plot.png": "/api/v1/labs/3/assets/a2",
};

function resolveUrl(url: string): string | undefined {
  return assets[url.replace(/^(\.\/)+/, "").replace(/^\/+/, "")];
}

function renderHtml(source: string) {
  return render(<MarkdownRenderer source={source} resolveUrl={resolveUrl} allowHtml />).container;
}

// Each entry is one way to run script or restyle the page through raw HTML in Markdown.
const attacks: { name: string; source: string }[] = [
  { name: "script element", source: "<script>window.__xss = 1</script>" },
  { name: "img onerror", source: '<img src="x" onerror="window.__xss = 1">' },
  { name: "svg onload", source: '<svg onload="window.__xss = 1"><circle r="5" /></svg>' },
  { name: "javascript link", source: '<a href="javascript:window.__xss = 1">go</a>' },
  { name: "encoded javascript link", source: '<a href="jav&#x09;ascript:alert(1)">go</a>' },
  { name: "javascript image", source: '<img src="javascript:alert(1)">' },
  { name: "markdown javascript link", source: "[go](javascript:alert(1))" },
  { name: "data html link", source: '<a href="data:text/html,<script>alert(1)</script>">go</a>' },
  { name: "iframe", source: '<iframe src="https://example.org/"></iframe>' },
  { name: "object", source: '<object data="x.swf"></object><embed src="x.swf">' },
  { name: "style element", source: "<style>body { display: none }</style>" },
  { name: "style attribute", source: '<div style="position: fixed; inset: 0">cover</div>' },
  { name: "class attribute", source: '<div class="fixed inset-0 z-50">cover</div>' },
  { name: "form", source: '<form action="/api/v1/auth/logout"><button>x</button></form>' },
  { name: "meta refresh", source: '<meta http-equiv="refresh" content="0; url=/x">' },
  { name: "base element", source: '<base href="https://example.org/">' },
  { name: "details ontoggle", source: '<details open ontoggle="window.__xss = 1">x</details>' },
  { name: "math href", source: '<math href="javascript:alert(1)"><mi>x</mi></math>' },
  { name: "unclosed tag", source: "<img src=x onerror=window.__xss=1 <b>" },
];

describe("MarkdownRenderer with raw HTML", () => {
  it("renders HTML elements instead of text", () => {
    const container = renderHtml('<div class="fig">\n<b>bold</b>\n</div>\n\ntext');
    expect(container.querySelector("b")?.textContent).toBe("bold");
    expect(container.textContent).not.toContain("<b>");
  });

  it("resolves absolute-looking asset paths in img", () => {
    const container = renderHtml('<img src="/assets/eg/spiral_raw.png">');
    expect(container.querySelector("img")?.getAttribute("src")).toBe("/api/v1/labs/3/assets/a1");
  });

  it("resolves relative paths in HTML links", () => {
    const container = renderHtml('<a href="./img/plot.png">plot</a>');
    expect(container.querySelector("a")?.getAttribute("href")).toBe("/api/v1/labs/3/assets/a2");
  });

  it("resolves Markdown images beside HTML", () => {
    const container = renderHtml("<div>\n\n![plot](img/plot.png)\n\n</div>");
    expect(container.querySelector("img")?.getAttribute("src")).toBe("/api/v1/labs/3/assets/a2");
  });

  it("keeps math and code highlighting", () => {
    const container = renderHtml("<b>x</b> and $a^2$\n\n```python\nx = 1\n```");
    expect(container.querySelector(".katex")).not.toBeNull();
    expect(container.querySelector("code.language-python .hljs-number")).not.toBeNull();
  });

  it("keeps display math", () => {
    const container = renderHtml("$$\nx^2\n$$");
    expect(container.querySelector(".katex-display")).not.toBeNull();
  });

  it("keeps heading ids unprefixed", () => {
    const container = renderHtml("## Loss function");
    expect(container.querySelector("h2")?.id).toBe("loss-function");
  });

  it("prefixes ids and names from HTML", () => {
    const container = renderHtml("<a name='data'></a><p id='main'>x</p>");
    expect(container.querySelector("a")?.getAttribute("name")).toBe("user-content-data");
    expect(container.querySelector("#user-content-main")?.textContent).toBe("x");
  });

  it("points in-page links at prefixed names", () => {
    const container = renderHtml(
      "[Data](#data)\n\n<a name='data'></a>\n\n## Loss\n\n[Loss](#loss)",
    );
    const links = [...container.querySelectorAll("a[href]")].map((a) => a.getAttribute("href"));
    expect(links).toEqual(["#user-content-data", "#loss"]);
  });

  it("links footnotes to their prefixed ids", () => {
    const container = renderHtml("text[^1]\n\n[^1]: note");
    const reference = container.querySelector("a[data-footnote-ref]");
    const target = reference?.getAttribute("href")?.slice(1) ?? "missing";
    expect(container.querySelector(`[id="${target}"]`)?.textContent).toContain("note");
    const backReference = container.querySelector("a[data-footnote-backref]");
    const backTarget = backReference?.getAttribute("href")?.slice(1) ?? "missing";
    expect(container.querySelector(`[id="${backTarget}"]`)).toBe(reference);
  });

  it.each(attacks)("removes the attack: $name", ({ source }) => {
    const container = renderHtml(source);
    const dangerous = container.querySelectorAll(
      "script, style, iframe, object, embed, form, meta, base, svg, math, [style], [class*='fixed']",
    );
    expect(dangerous).toHaveLength(0);
    for (const element of container.querySelectorAll("*")) {
      for (const attribute of element.getAttributeNames()) {
        expect(attribute.startsWith("on")).toBe(false);
      }
      for (const name of ["href", "src"]) {
        const value = element.getAttribute(name)?.replace(/\s/g, "").toLowerCase() ?? "";
        expect(value.startsWith("javascript:")).toBe(false);
        expect(value.startsWith("data:text/html")).toBe(false);
      }
    }
    expect((window as { __xss?: number }).__xss).toBeUndefined();
  });
});

describe("MarkdownRenderer without raw HTML", () => {
  it("shows HTML as text", () => {
    const { container } = render(<MarkdownRenderer source="<b>bold</b>" />);
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toContain("<b>bold</b>");
  });
});

describe("MarkdownRenderer math", () => {
  const typeset: { name: string; source: string; display: boolean }[] = [
    { name: "kramdown inline", source: "loss \\\\(L_i\\\\) here", display: false },
    { name: "kramdown display", source: "\\\\[\nL = 1\n\\\\]", display: true },
    { name: "LaTeX inline", source: "so \\(\\lambda\\) here", display: false },
    { name: "LaTeX display", source: "\\[x^2\\]", display: true },
    { name: "single dollars", source: "so $x_1$ here", display: false },
    { name: "double dollars", source: "$$\nx^2\n$$", display: true },
  ];

  it.each(typeset)("typesets $name", ({ source, display }) => {
    const { container } = render(<MarkdownRenderer source={source} />);
    expect(container.querySelectorAll(".katex")).toHaveLength(1);
    expect(container.querySelectorAll(".katex-display")).toHaveLength(display ? 1 : 0);
    expect(container.textContent).not.toContain("$");
    expect(container.textContent).not.toContain("\\(");
  });

  it("keeps escaped dollars as text", () => {
    const { container } = render(<MarkdownRenderer source={"costs \\$5 or \\$6"} />);
    expect(container.querySelector(".katex")).toBeNull();
    expect(container.textContent).toBe("costs $5 or $6");
  });
});

describe("MarkdownRenderer tables", () => {
  const tables = [
    "| Name | Score |",
    "| --- | --- |",
    "| Ada | 90 |",
    "",
    "| Step | Input | Output |",
    "| --- | --- | --- |",
    "| 1 | `x` | **y** |",
  ].join("\n");

  it("wraps each table in a focusable named region", async () => {
    const { getAllByRole, getByRole } = render(<MarkdownRenderer source={tables} />);
    const regions = getAllByRole("region");
    expect(regions).toHaveLength(2);
    for (const region of regions) {
      expect(region.tabIndex).toBe(0);
      expect(region.classList.contains("overflow-x-auto")).toBe(true);
      expect(region.querySelector(":scope > table")).not.toBeNull();
    }
    expect(getByRole("region", { name: "Table: Name, Score" })).toBe(regions[0]);
    expect(getByRole("region", { name: "Table: Step, Input, Output" })).toBe(regions[1]);

    await userEvent.tab();
    expect(document.activeElement).toBe(regions[0]);
    await userEvent.tab();
    expect(document.activeElement).toBe(regions[1]);
  });

  it("names a region without header text Table", () => {
    const { getByRole } = render(<MarkdownRenderer source={"|  |  |\n| - | - |\n| a | b |"} />);
    expect(getByRole("region", { name: "Table" }).tabIndex).toBe(0);
  });

  it("shortens a long name", () => {
    const header = Array.from({ length: 30 }, (_, i) => `Column ${i}`);
    const source = `| ${header.join(" | ")} |\n|${" - |".repeat(30)}`;
    const { getByRole } = render(<MarkdownRenderer source={source} />);
    const label = getByRole("region").getAttribute("aria-label") ?? "";
    expect(label.length).toBe(80);
    expect(label.startsWith("Table: Column 0, Column 1")).toBe(true);
    expect(label.endsWith("…")).toBe(true);
  });
});
