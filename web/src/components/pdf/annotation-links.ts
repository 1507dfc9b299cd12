/**
 * Gives the link annotations of a rendered page an accessible name. pdf.js renders them as
 * empty <a> elements over the page, which screen readers announce as "link" only.
 */
export function nameAnnotationLinks(layer: ParentNode) {
  for (const link of layer.querySelectorAll<HTMLAnchorElement>(".annotationLayer a")) {
    if (link.hasAttribute("aria-label") || link.textContent.trim() !== "") {
      continue;
    }
    const href = link.getAttribute("href") ?? "";
    const external = /^[a-z][a-z0-9+.-]*:/i.test(href);
    link.setAttribute(
      "aria-label",
      external ? `Link to ${href.replace(/^mailto:/i, "")}` : "Link to another place in this PDF",
    );
  }
}
