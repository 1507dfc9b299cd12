import { lazy, Suspense } from "react";

import type { MarkdownRendererProps } from "./MarkdownRenderer";

// react-markdown, KaTeX and highlight.js load only on pages that render Markdown.
const MarkdownRenderer = lazy(() => import("./MarkdownRenderer"));

/** Renders Markdown; shows the plain text until the renderer has loaded. */
export function Markdown(props: MarkdownRendererProps) {
  return (
    <Suspense fallback={<pre className="whitespace-pre-wrap text-sm">{props.source}</pre>}>
      <MarkdownRenderer {...props} />
    </Suspense>
  );
}
