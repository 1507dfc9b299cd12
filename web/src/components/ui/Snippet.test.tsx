import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { Snippet } from "./Snippet";

describe("Snippet", () => {
  it("highlights marked matches", () => {
    render(<Snippet html="the <mark>argon</mark> hash" />);
    expect(screen.getByText("argon").tagName).toBe("MARK");
  });

  it("shows escaped markup as text, not as elements", () => {
    const { container } = render(<Snippet html="a &lt;script&gt; &amp; b" />);
    expect(container.textContent).toBe("a <script> & b");
    expect(container.querySelector("script")).toBeNull();
  });
});
