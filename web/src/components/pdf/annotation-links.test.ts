import { describe, expect, it } from "vitest";

import { nameAnnotationLinks } from "./annotation-links";

describe("nameAnnotationLinks", () => {
  it("names empty external, mail and internal links", () => {
    const root = document.createElement("div");
    root.innerHTML =
      '<div class="annotationLayer">' +
      '<a href="https://doi.org/10.21105/joss.00029"></a>' +
      '<a href="mailto:ada@example.org"></a>' +
      '<a href="#page=3"></a>' +
      '<a href="https://example.org">Example</a>' +
      "</div>";
    nameAnnotationLinks(root);
    const labels = Array.from(root.querySelectorAll("a"), (link) =>
      link.getAttribute("aria-label"),
    );
    expect(labels).toEqual([
      "Link to https://doi.org/10.21105/joss.00029",
      "Link to ada@example.org",
      "Link to another place in this PDF",
      null,
    ]);
  });
});
