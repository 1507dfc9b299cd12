import { Link, useSearchParams } from "react-router";

import { buttonClass } from "@/components/ui/button-class";
import { LabFilters, LabList } from "@/features/labs";
import { useSignedIn } from "@/lib/session";
import { useDocumentTitle } from "@/lib/use-document-title";

/** Lists labs. The search, tag, sort and page are kept in the address, so a link can share them. */
export function LabsPage() {
  useDocumentTitle("Labs");
  const signedIn = useSignedIn();
  const [search, setSearch] = useSearchParams();
  const tag = search.get("tag");
  const params = {
    page: Math.max(1, Number(search.get("page") ?? "1") || 1),
    q: search.get("q") ?? "",
    tags: tag === null ? [] : [tag],
    sort: search.get("sort") === "popular" ? ("popular" as const) : ("new" as const),
  };
  const update = (
    next: typeof params | { page: number; q?: string; tags?: string[]; sort?: "new" | "popular" },
  ) => {
    const query = new URLSearchParams();
    if (next.q !== undefined && next.q !== "") query.set("q", next.q);
    if (next.tags?.[0] !== undefined) query.set("tag", next.tags[0]);
    if (next.sort === "popular") query.set("sort", "popular");
    if (next.page > 1) query.set("page", String(next.page));
    setSearch(query);
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-bold">Labs</h1>
        {signedIn && (
          <Link to="/labs/new" className={buttonClass("primary")}>
            Write a lab
          </Link>
        )}
      </div>
      <LabFilters key={params.q} params={params} onChange={update} />
      <LabList
        params={params}
        onPageChange={(page) => {
          update({ ...params, page });
        }}
        emptyHint={
          signedIn
            ? "Be the first: write a lab for others to solve."
            : "Sign up to write the first one."
        }
      />
    </div>
  );
}
