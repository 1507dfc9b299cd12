import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import MarkdownRenderer from "./MarkdownRenderer";

describe("MarkdownImage", () => {
  it("links an image hosted on another site", () => {
    const { container } = render(
      <MarkdownRenderer source="![xkcd: Git](https://imgs.xkcd.com/comics/git.png)" />,
    );
    expect(container.querySelector("img")).toBeNull();
    const link = screen.getByRole("link", { name: /xkcd: Git/ });
    expect(link).toHaveAttribute("href", "https://imgs.xkcd.com/comics/git.png");
    expect(link).toHaveTextContent("image on imgs.xkcd.com");
  });

  it("links an external raw HTML image without alt text", () => {
    render(
      <MarkdownRenderer
        source={'<img src="http://example.org/flame.svg" width="50%">'}
        allowHtml
      />,
    );
    expect(screen.getByRole("link", { name: /^Image/ })).toHaveAttribute(
      "href",
      "http://example.org/flame.svg",
    );
  });

  it("keeps images of this site", () => {
    const { container } = render(
      <MarkdownRenderer source="![plot](plot.png) ![dot](data:image/png;base64,iVBORw0KGgo=)" />,
    );
    const images = Array.from(container.querySelectorAll("img"), (image) =>
      image.getAttribute("alt"),
    );
    expect(images).toEqual(["plot", "dot"]);
    expect(screen.queryByRole("link")).toBeNull();
  });
});
