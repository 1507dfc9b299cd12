import { describe, expect, it } from "vitest";

import { normalizeMathDelimiters } from "./math-delimiters";

describe("normalizeMathDelimiters", () => {
  it("rewrites inline parentheses", () => {
    expect(normalizeMathDelimiters("so \\(a > 0\\) holds")).toBe("so $a > 0$ holds");
  });

  it("rewrites display brackets on one line", () => {
    expect(normalizeMathDelimiters("\\[x^2\\]")).toBe("$$\nx^2\n$$");
  });

  it("makes a one-line display formula a block", () => {
    expect(normalizeMathDelimiters("$$a = b$$")).toBe("$$\na = b\n$$");
  });

  it("keeps two formulas on one line inline", () => {
    expect(normalizeMathDelimiters("$$a$$ and $$b$$")).toBe("$$a$$ and $$b$$");
  });

  it("keeps inline double dollars inside text", () => {
    expect(normalizeMathDelimiters("so $$a$$ holds")).toBe("so $$a$$ holds");
  });

  it("rewrites display brackets on their own lines", () => {
    expect(normalizeMathDelimiters("\\[\nx^2\n\\]")).toBe("$$\nx^2\n$$");
  });

  it("leaves fenced code alone", () => {
    const source = "```\n\\(not math\\)\n```";
    expect(normalizeMathDelimiters(source)).toBe(source);
  });

  it("leaves inline code alone", () => {
    expect(normalizeMathDelimiters("`\\(x\\)` and \\(y\\)")).toBe("`\\(x\\)` and $y$");
  });

  it("keeps dollar math unchanged", () => {
    expect(normalizeMathDelimiters("$a$ and $$b$$")).toBe("$a$ and $$b$$");
  });

  it("rewrites kramdown's doubled inline delimiters", () => {
    expect(normalizeMathDelimiters("loss \\\\(L_i\\\\) here")).toBe("loss $L_i$ here");
  });

  it("rewrites kramdown's doubled display delimiters", () => {
    expect(normalizeMathDelimiters("\\\\[x^2\\\\]")).toBe("$$\nx^2\n$$");
    expect(normalizeMathDelimiters("\\\\[\nx^2\n\\\\]")).toBe("$$\nx^2\n$$");
  });

  it("rewrites doubled delimiters around commands", () => {
    expect(normalizeMathDelimiters("\\\\(\\lambda\\\\) and \\(\\mu\\)")).toBe(
      "$\\lambda$ and $\\mu$",
    );
  });

  it("leaves escaped dollars alone", () => {
    expect(normalizeMathDelimiters("costs \\$5 or \\$6")).toBe("costs \\$5 or \\$6");
  });
});
