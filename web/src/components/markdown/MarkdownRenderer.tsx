import "katex/dist/katex.min.css";
import "./highlight.css";

import ReactMarkdown, {
  defaultUrlTransform,
  type Options,
  type UrlTransform,
} from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import rehypeKatex from "rehype-katex";
import rehypeRaw from "rehype-raw";
import rehypeSanitize from "rehype-sanitize";
import rehypeSlug from "rehype-slug";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";

import { rehypePrefixedFragments } from "./fragment-links";
import { normalizeMathDelimiters } from "./math-delimiters";
import { MarkdownImage } from "./MarkdownImage";
import { sanitizeSchema } from "./sanitize-schema";
import { ScrollableTable } from "./ScrollableTable";

export interface MarkdownRendererProps {
  source: string;
  /** Maps a relative link or image path to a URL (a lab's asset, for example). */
  resolveUrl?: (url: string) => string | undefined;
  /**
   * Renders raw HTML (`<img>`, `<div>`, `<a name>`) through an allow-list sanitizer instead of
   * showing it as text. Lab bodies use it, because course notes written for Jekyll mix HTML
   * into their Markdown.
   */
  allowHtml?: boolean;
}

const remarkPlugins: Options["remarkPlugins"] = [remarkGfm, remarkMath];
// rehype-slug gives headings GitHub-style ids, which the assistant's citations link to.
const rehypePlugins: Options["rehypePlugins"] = [
  rehypeSlug,
  [rehypeKatex, { throwOnError: false }],
  [rehypeHighlight, { detect: false }],
];
// The sanitizer runs before the plugins that add markup of their own (heading ids, KaTeX and
// highlight.js spans), so it judges only what the author wrote. react-markdown then passes
// every URL attribute, raw HTML ones included, through `urlTransform`.
const htmlRehypePlugins: Options["rehypePlugins"] = [
  rehypeRaw,
  [rehypeSanitize, sanitizeSchema],
  ...rehypePlugins,
  rehypePrefixedFragments,
];
// The sanitizer prefixes every id, so footnotes must not arrive prefixed already.
const htmlRemarkRehypeOptions: Options["remarkRehypeOptions"] = { clobberPrefix: "" };

/** Renders GitHub-flavoured Markdown with KaTeX math and highlighted code. Loaded lazily. */
export default function MarkdownRenderer({
  source,
  resolveUrl,
  allowHtml = false,
}: MarkdownRendererProps) {
  const urlTransform: UrlTransform = (url) => {
    const resolved = resolveUrl?.(url);
    // Object URLs come only from the resolver (files chosen in an editor), never from the text,
    // because the resolver leaves URLs with a scheme unresolved.
    if (resolved?.startsWith("blob:") === true) return resolved;
    return defaultUrlTransform(resolved ?? url);
  };
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={allowHtml ? htmlRehypePlugins : rehypePlugins}
        remarkRehypeOptions={allowHtml ? htmlRemarkRehypeOptions : undefined}
        urlTransform={urlTransform}
        components={{
          a: ({ node: _node, ...props }) => <a {...props} rel="noopener noreferrer" />,
          img: ({ node: _node, ...props }) => <MarkdownImage {...props} />,
          // Focusable, so that keyboard users can scroll a wide code block sideways.
          pre: ({ node: _node, ...props }) => <pre tabIndex={0} {...props} />,
          table: ScrollableTable,
        }}
      >
        {normalizeMathDelimiters(source)}
      </ReactMarkdown>
    </div>
  );
}
