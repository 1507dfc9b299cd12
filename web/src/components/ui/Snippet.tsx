interface SnippetProps {
  /** The search API's snippet: HTML-escaped text with matches inside <mark>…</mark>. */
  html: string;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * Renders a search snippet with its highlighted matches, as React text nodes rather than as
 * raw HTML, so that nothing in a document can inject markup.
 */
export function Snippet({ html }: SnippetProps) {
  const parts = html.split(/<mark>(.*?)<\/mark>/g);
  return (
    <p className="text-sm text-slate-700 dark:text-slate-300">
      {parts.map((part, index) =>
        index % 2 === 1 ? <mark key={index}>{decodeEntities(part)}</mark> : decodeEntities(part),
      )}
    </p>
  );
}
