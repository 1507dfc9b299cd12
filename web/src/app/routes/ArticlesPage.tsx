import { useState, type SubmitEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { Button } from "@/components/ui/Button";
import { buttonClass } from "@/components/ui/button-class";
import { inputClass } from "@/components/ui/Field";
import { ArticleList } from "@/features/articles";
import { useSignedIn } from "@/lib/session";
import { useDocumentTitle } from "@/lib/use-document-title";

export function ArticlesPage() {
  useDocumentTitle("Articles");
  const signedIn = useSignedIn();
  const [search, setSearch] = useSearchParams();
  const query = search.get("q") ?? "";
  const page = Math.max(1, Number(search.get("page") ?? "1") || 1);
  const [text, setText] = useState(query);
  const go = (q: string, nextPage: number) => {
    const params = new URLSearchParams();
    if (q !== "") params.set("q", q);
    if (nextPage > 1) params.set("page", String(nextPage));
    setSearch(params);
  };
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    go(text.trim(), 1);
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">Articles</h1>
        {signedIn && (
          <Link to="/articles/new" className={buttonClass("primary")}>
            Upload an article
          </Link>
        )}
      </div>
      <form role="search" onSubmit={onSubmit} className="flex gap-2">
        <label htmlFor="article-search" className="sr-only">
          Search articles
        </label>
        <input
          id="article-search"
          type="search"
          className={inputClass}
          placeholder="Search the full text of articles"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
          }}
        />
        <Button type="submit">Search</Button>
      </form>
      <ArticleList
        query={query}
        page={page}
        onPageChange={(next) => {
          go(query, next);
        }}
      />
    </div>
  );
}
