import type { ComponentProps } from "react";
import type { ExtraProps } from "react-markdown";

type TableNode = NonNullable<ExtraProps["node"]>;
type HastContent = TableNode | TableNode["children"][number];

const maxLabelLength = 80;

function textOf(node: HastContent): string {
  if (node.type === "text") return node.value;
  if (node.type === "element") return node.children.map(textOf).join("");
  return "";
}

function firstRow(node: HastContent): TableNode | undefined {
  if (node.type !== "element") return undefined;
  if (node.tagName === "tr") return node;
  for (const child of node.children) {
    const row = firstRow(child);
    if (row !== undefined) return row;
  }
  return undefined;
}

/**
 * Builds the accessible name of a table's scrolling region: "Table" and the text of its first
 * row's cells (the header row of a Markdown table), so that screen reader users can tell tables
 * apart.
 */
function tableLabel(node: TableNode | undefined): string {
  const row = node === undefined ? undefined : firstRow(node);
  const cells = (row?.children ?? [])
    .map((cell) => textOf(cell).trim())
    .filter((text) => text !== "");
  if (cells.length === 0) return "Table";
  const label = `Table: ${cells.join(", ")}`;
  return label.length > maxLabelLength ? `${label.slice(0, maxLabelLength - 1)}…` : label;
}

/**
 * Renders a Markdown table inside a region that scrolls sideways when the table is wider than
 * the page. The region is focusable, so that keyboard users can scroll it with the arrow keys,
 * and shows the global :focus-visible ring of index.css in both themes.
 */
export function ScrollableTable({ node, ...props }: ComponentProps<"table"> & ExtraProps) {
  return (
    <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={tableLabel(node)}>
      <table {...props} />
    </div>
  );
}
