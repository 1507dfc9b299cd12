import { useSearchParams } from "react-router";

import { PdfViewer } from "@/components/pdf/PdfViewer";
import { buttonClass } from "@/components/ui/button-class";
import { formatBytes, formatDate } from "@/lib/format";

import type { Article } from "../api/articles-api";

interface ArticleViewProps {
  article: Article;
  /** Buttons shown beside the download link, such as edit and delete. */
  actions?: React.ReactNode;
}

/** Shows an article's details, a download link and the PDF in the page. */
export function ArticleView({ article, actions }: ArticleViewProps) {
  // "?page=N" opens the PDF at page N, as the assistant's citations link it.
  const pageParameter = Number(useSearchParams()[0].get("page"));
  const requestedPage =
    Number.isInteger(pageParameter) && pageParameter >= 1 ? pageParameter : undefined;
  return (
    <article className="space-y-4">
      <header className="space-y-2">
        <h1 className="text-2xl font-bold sm:text-3xl">{article.title}</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {article.authors.join(", ")} · {article.page_count} pages · added{" "}
          {formatDate(article.created_at)}
        </p>
        {article.tags.length > 0 && (
          <ul className="flex flex-wrap gap-1" aria-label="Tags">
            {article.tags.map((tag) => (
              <li
                key={tag}
                className="rounded bg-indigo-50 px-2 py-0.5 text-xs text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200"
              >
                {tag}
              </li>
            ))}
          </ul>
        )}
        {article.abstract !== "" && <p className="whitespace-pre-line">{article.abstract}</p>}
        <div className="flex flex-wrap items-center gap-2">
          <a
            href={article.pdf_url}
            download={article.filename}
            className={buttonClass("secondary")}
          >
            Download PDF ({formatBytes(article.size)})
          </a>
          {actions}
        </div>
      </header>
      <div id="article-pdf">
        <PdfViewer file={article.pdf_url} title={article.title} page={requestedPage} />
      </div>
    </article>
  );
}
