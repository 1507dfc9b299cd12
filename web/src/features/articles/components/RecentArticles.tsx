import { Link } from "react-router";

import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { formatDate } from "@/lib/format";

import { useArticles } from "../hooks/queries";

/** The newest articles as a short list of links, for the home page. */
export function RecentArticles({ limit }: { limit: number }) {
  const articles = useArticles(1);
  if (articles.isPending) return <Loading label="Loading articles…" />;
  if (articles.isError)
    return <ErrorMessage error={articles.error} title="The articles could not be loaded." />;
  if (articles.data.items.length === 0) {
    return (
      <EmptyState title="No articles yet.">
        <Link to="/articles/new" className="underline">
          Upload a PDF
        </Link>{" "}
        of a paper or your lecture notes to start the library.
      </EmptyState>
    );
  }
  return (
    <ul className="divide-y divide-slate-200 dark:divide-slate-800">
      {articles.data.items.slice(0, limit).map((article) => (
        <li key={article.id} className="flex flex-wrap items-baseline justify-between gap-2 py-2">
          <Link to={`/articles/${article.id}`} className="font-medium hover:underline">
            {article.title}
          </Link>
          <span className="text-xs text-slate-600 dark:text-slate-400">
            {article.authors.join(", ")} · {formatDate(article.created_at)}
          </span>
        </li>
      ))}
    </ul>
  );
}
