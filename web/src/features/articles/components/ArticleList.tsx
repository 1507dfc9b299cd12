import { Link } from "react-router";

import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";
import { Snippet } from "@/components/ui/Snippet";
import { formatDate } from "@/lib/format";

import { useArticleSearch, useArticles } from "../hooks/queries";

interface ArticleListProps {
  query: string;
  page: number;
  onPageChange: (page: number) => void;
}

function SearchResults({ query, page, onPageChange }: ArticleListProps) {
  const results = useArticleSearch(query, page);
  if (results.isPending) return <Loading label="Searching…" />;
  if (results.isError) return <ErrorMessage error={results.error} title="The search failed." />;
  if (results.data.items.length === 0) {
    return (
      <EmptyState title={`No article matches “${query}”.`}>Try fewer or other words.</EmptyState>
    );
  }
  return (
    <div>
      <p className="mb-2 text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
        {results.data.total} {results.data.total === 1 ? "result" : "results"}
      </p>
      <ul className="space-y-3">
        {results.data.items.map((hit) => (
          <li key={hit.id} className="rounded-lg bg-white p-4 shadow-sm dark:bg-slate-900">
            <h2 className="font-semibold">
              <Link to={`/articles/${hit.id}`} className="hover:underline">
                {hit.title}
              </Link>
            </h2>
            <Snippet html={hit.snippet} />
          </li>
        ))}
      </ul>
      <Pagination
        page={page}
        limit={results.data.limit}
        total={results.data.total}
        onChange={onPageChange}
      />
    </div>
  );
}

function AllArticles({ page, onPageChange }: Omit<ArticleListProps, "query">) {
  const articles = useArticles(page);
  if (articles.isPending) return <Loading label="Loading articles…" />;
  if (articles.isError)
    return <ErrorMessage error={articles.error} title="The articles could not be loaded." />;
  if (articles.data.items.length === 0) {
    return (
      <EmptyState title="No articles yet.">Signed-in users can upload a PDF article.</EmptyState>
    );
  }
  return (
    <div>
      <ul className="space-y-3">
        {articles.data.items.map((article) => (
          <li key={article.id} className="rounded-lg bg-white p-4 shadow-sm dark:bg-slate-900">
            <h2 className="font-semibold">
              <Link to={`/articles/${article.id}`} className="hover:underline">
                {article.title}
              </Link>
            </h2>
            <p className="text-sm text-slate-600 dark:text-slate-400">
              {article.authors.join(", ")} · {article.page_count} pages ·{" "}
              {formatDate(article.created_at)}
            </p>
            {article.abstract !== "" && (
              <p className="mt-1 line-clamp-3 text-sm">{article.abstract}</p>
            )}
          </li>
        ))}
      </ul>
      <Pagination
        page={page}
        limit={articles.data.limit}
        total={articles.data.total}
        onChange={onPageChange}
      />
    </div>
  );
}

/** Lists all articles, or the full-text search results with highlighted snippets when there is a query. */
export function ArticleList(props: ArticleListProps) {
  return props.query === "" ? (
    <AllArticles page={props.page} onPageChange={props.onPageChange} />
  ) : (
    <SearchResults {...props} />
  );
}
