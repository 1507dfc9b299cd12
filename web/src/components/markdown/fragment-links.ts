import type { Element, Root, RootContent } from "hast";

const clobberPrefix = "user-content-";

/**
 * Points in-page links (`#data`) at the ids and names the sanitizer prefixed with
 * `user-content-`, so a table of contents written as `<a href="#data">` still reaches its
 * `<a name="data">`. Links whose target exists unprefixed, such as heading ids, stay as written.
 */
export function rehypePrefixedFragments() {
  return (tree: Root) => {
    const targets = new Set<string>();
    const links: Element[] = [];
    walk(tree.children, (element) => {
      for (const key of ["id", "name"]) {
        const value = element.properties[key];
        if (typeof value === "string") {
          targets.add(value);
        }
      }
      if (typeof element.properties.href === "string" && element.properties.href.startsWith("#")) {
        links.push(element);
      }
    });
    for (const link of links) {
      const fragment = decodeFragment(String(link.properties.href).slice(1));
      if (!targets.has(fragment) && targets.has(clobberPrefix + fragment)) {
        link.properties.href = `#${clobberPrefix}${fragment}`;
      }
    }
  };
}

function walk(nodes: RootContent[], visit: (element: Element) => void) {
  for (const node of nodes) {
    if (node.type === "element") {
      visit(node);
      walk(node.children, visit);
    }
  }
}

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}
