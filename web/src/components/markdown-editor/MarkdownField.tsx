import { lazy, Suspense, useId, useState } from "react";

import { inputClass } from "@/components/ui/Field";
import { Markdown } from "@/components/markdown/Markdown";
import { useDarkMode } from "@/lib/use-dark-mode";

const CodeMirrorEditor = lazy(() => import("./CodeMirrorEditor"));

interface MarkdownFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  hint?: string;
  placeholder?: string;
  /** Resolves relative links in the preview, as the published page will. */
  resolveUrl?: (url: string) => string | undefined;
  /** Renders sanitized raw HTML in the preview, for text whose page does the same. */
  allowHtml?: boolean;
}

/**
 * Edits Markdown with a live preview, side by side on wide screens and as tabs on phones.
 * A plain text area is shown while the editor loads.
 */
export function MarkdownField({
  label,
  value,
  onChange,
  error,
  hint,
  placeholder,
  resolveUrl,
  allowHtml = false,
}: MarkdownFieldProps) {
  const id = useId();
  const dark = useDarkMode();
  const [tab, setTab] = useState<"write" | "preview">("write");
  const messageId = `${id}-message`;
  const tabClass = (active: boolean) =>
    `rounded-t-md px-3 py-1 text-sm ${active ? "bg-slate-200 font-medium dark:bg-slate-700" : ""}`;

  return (
    <div className="space-y-1">
      <div className="flex items-end justify-between">
        <label htmlFor={id} className="block text-sm font-medium">
          {label}
        </label>
        <div className="flex gap-1 lg:hidden" role="group" aria-label={`${label}: view`}>
          <button
            type="button"
            className={tabClass(tab === "write")}
            aria-pressed={tab === "write"}
            onClick={() => {
              setTab("write");
            }}
          >
            Write
          </button>
          <button
            type="button"
            className={tabClass(tab === "preview")}
            aria-pressed={tab === "preview"}
            onClick={() => {
              setTab("preview");
            }}
          >
            Preview
          </button>
        </div>
      </div>
      <div className="grid gap-3 lg:grid-cols-2">
        <div className={tab === "write" ? "" : "hidden lg:block"}>
          <Suspense
            fallback={
              <textarea
                id={id}
                className={`${inputClass} min-h-64 font-mono`}
                value={value}
                placeholder={placeholder}
                onChange={(event) => {
                  onChange(event.target.value);
                }}
              />
            }
          >
            <CodeMirrorEditor
              id={id}
              value={value}
              onChange={onChange}
              label={label}
              dark={dark}
              placeholder={placeholder}
              describedBy={error !== undefined || hint !== undefined ? messageId : undefined}
            />
          </Suspense>
        </div>
        <section
          aria-label={`${label}: preview`}
          className={`min-h-64 overflow-auto rounded-md border border-slate-200 bg-white p-3 dark:border-slate-700 dark:bg-slate-900 ${
            tab === "preview" ? "" : "hidden lg:block"
          }`}
        >
          {value.trim() === "" ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">
              The preview appears here as you type.
            </p>
          ) : (
            <Markdown source={value} resolveUrl={resolveUrl} allowHtml={allowHtml} />
          )}
        </section>
      </div>
      {error !== undefined ? (
        <p id={messageId} className="text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : (
        hint !== undefined && (
          <p id={messageId} className="text-xs text-slate-600 dark:text-slate-400">
            {hint}
          </p>
        )
      )}
    </div>
  );
}
