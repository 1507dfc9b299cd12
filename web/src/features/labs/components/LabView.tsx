import { Markdown } from "@/components/markdown/Markdown";
import { formatBytes, formatDate, pluralize } from "@/lib/format";

import type { Lab } from "../api/labs-api";
import { resolveAssetUrl } from "../api/resolve-asset";

interface LabViewProps {
  lab: Lab;
  /** The author line, rendered by the page. */
  byline?: React.ReactNode;
  actions?: React.ReactNode;
}

/** Shows a lab: its header, its Markdown body with links resolved to its assets, and its files. */
export function LabView({ lab, byline, actions }: LabViewProps) {
  return (
    <article className="space-y-6">
      <header className="space-y-2">
        {lab.status === "archived" && (
          <p className="rounded-md bg-amber-100 px-3 py-2 text-sm text-amber-900 dark:bg-amber-900 dark:text-amber-100">
            This lab is archived: it stays readable but takes no new submissions.
          </p>
        )}
        <h1 className="text-2xl font-bold sm:text-3xl">{lab.title}</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {byline} {byline !== undefined && "· "}Published {formatDate(lab.created_at)} ·{" "}
          {pluralize(lab.submission_count, "submission")} · {pluralize(lab.views, "view")}
        </p>
        {lab.tags.length > 0 && (
          <ul className="flex flex-wrap gap-1" aria-label="Tags">
            {lab.tags.map((tag) => (
              <li
                key={tag}
                className="rounded bg-indigo-50 px-2 py-0.5 text-xs text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200"
              >
                {tag}
              </li>
            ))}
          </ul>
        )}
        {lab.description !== "" && (
          <p className="text-lg text-slate-700 dark:text-slate-300">{lab.description}</p>
        )}
        {actions !== undefined && <div className="flex flex-wrap gap-2">{actions}</div>}
      </header>
      <div className="rounded-lg bg-white p-4 shadow-sm sm:p-6 dark:bg-slate-900">
        <Markdown
          source={lab.body}
          resolveUrl={(url) => resolveAssetUrl(lab.assets, url)}
          allowHtml
        />
      </div>
      {lab.assets.length > 0 && (
        <section aria-labelledby="lab-files" className="space-y-2">
          <h2 id="lab-files" className="text-lg font-semibold">
            Files
          </h2>
          <ul className="divide-y divide-slate-200 rounded-lg bg-white shadow-sm dark:divide-slate-800 dark:bg-slate-900">
            {lab.assets.map((asset) => (
              <li
                key={asset.id}
                className="flex items-center justify-between gap-2 px-4 py-2 text-sm"
              >
                <a href={asset.url} download={asset.filename} className="truncate underline">
                  {asset.path}
                </a>
                <span className="shrink-0 text-slate-600 dark:text-slate-400">
                  {formatBytes(asset.size)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}
