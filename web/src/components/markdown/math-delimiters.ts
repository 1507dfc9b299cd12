/**
 * Rewrites LaTeX's `\(…\)` and `\[…\]` delimiters, and their kramdown spelling with doubled
 * backslashes (`\\(…\\)`, `\\[…\\]`), to `$…$` and `$$…$$`, which remark-math understands.
 * Fenced code blocks and inline code stay untouched.
 */
export function normalizeMathDelimiters(markdown: string): string {
  const lines = markdown.split("\n");
  let fence: string | null = null;
  const output: string[] = [];
  for (const line of lines) {
    const fenceMatch = /^\s*(```+|~~~+)/.exec(line);
    if (fenceMatch?.[1] !== undefined) {
      const marker = fenceMatch[1];
      if (fence === null) {
        fence = marker;
      } else if (marker.startsWith(fence)) {
        fence = null;
      }
      output.push(line);
      continue;
    }
    output.push(fence === null ? expandDisplayLine(rewriteOutsideInlineCode(line)) : line);
  }
  return output.join("\n");
}

/**
 * Puts the delimiters of a line that holds only `$$…$$` on lines of their own, because
 * remark-math renders one-line `$$…$$` inline while GitHub renders it as a display block.
 */
function expandDisplayLine(line: string): string {
  const match = /^(\s*)\$\$((?:(?!\$\$).)+)\$\$\s*$/.exec(line);
  if (match === null) {
    return line;
  }
  const indent = match[1] ?? "";
  return `${indent}$$\n${indent}${match[2] ?? ""}\n${indent}$$`;
}

function rewriteOutsideInlineCode(line: string): string {
  // A display block whose delimiters sit on lines of their own.
  const trimmed = line.trim();
  if (/^\\{1,2}[[\]]$/.test(trimmed)) {
    return "$$";
  }
  // Odd-indexed parts are inline code spans (between backticks).
  return line
    .split(/(`+[^`]*`+)/)
    .map((part, index) => (index % 2 === 1 ? part : rewriteDelimiters(part)))
    .join("");
}

// Kramdown writes `\\(` in the Markdown source so that the page receives `\(`. The doubled
// form is rewritten first, because the single form would otherwise match from its second
// backslash and leave the first one to escape the `$`.
function rewriteDelimiters(text: string): string {
  return text
    .replace(/\\\\\((.+?)\\\\\)/g, (_match, inner: string) => `$${inner}$`)
    .replace(/\\\\\[(.+?)\\\\\]/g, (_match, inner: string) => `$$${inner}$$`)
    .replace(/\\\((.+?)\\\)/g, (_match, inner: string) => `$${inner}$`)
    .replace(/\\\[(.+?)\\\]/g, (_match, inner: string) => `$$${inner}$$`);
}
