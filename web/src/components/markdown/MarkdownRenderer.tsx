import "katex/dist/katex.min.css";
import "./highlight.css";

import ReactMarkdown, {
  defaultUrlTransform,
  type Options,
  type UrlTransform,
} from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import rehypeKatex from "rehype-katex";
import rehypeSlug from "rehype-slug";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";

import { normalizeMathDelimiters } from "./math-delimiters";

export interface MarkdownRendererProps {
  source: string;
  /** Maps a relative link or image path to a URL (a lab's asset, for example). */
  resolveUrl?: (url: string) => string | undefined;
}

const remarkPlugins: Options["remarkPlugins"] = [remarkGfm, remarkMath];
// rehype-slug gives headings GitHub-style ids, which the assistant's citations link to.
const rehypePlugins: Options["rehypePlugins"] = [
  rehypeSlug,
  [rehypeKatex, { throwOnError: false }],
  [rehypeHighlight, { detect: false }],
];

/** Renders GitHub-flavoured Markdown with KaTeX math and highlighted code. Loaded lazily. */
export default function MarkdownRenderer({ source, resolveUrl }: MarkdownRendererProps) {
  const urlTransform: UrlTransform = (url) => defaultUrlTransform(resolveUrl?.(url) ?? url);
  return (
    <div className="markdown">
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        urlTransform={urlTransform}
        components={{
          a: ({ node: _node, ...props }) => <a {...props} rel="noopener noreferrer" />,
          img: ({ node: _node, alt, ...props }) => (
            <img alt={alt ?? ""} loading="lazy" {...props} />
          ),
          table: ({ node: _node, ...props }) => (
            <div className="overflow-x-auto">
              <table {...props} />
            </div>
          ),
        }}
      >
        {normalizeMathDelimiters(source)}
      </ReactMarkdown>
    </div>
  );
}
