import { lazy, Suspense, useState } from "react";

import { Button } from "@/components/ui/Button";

import type { SessionCell } from "../api/sessions-api";
import { maxStreamChars } from "../session-state";
import { CellOutputView } from "./CellOutputView";
import type { WidgetHost } from "./widgets";

const PythonEditor = lazy(() => import("./PythonEditor"));

const statusClasses: Record<string, string> = {
  queued: "bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100",
  running: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100",
  done: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100",
  error: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100",
  stale: "bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-300",
};

interface CellViewProps {
  cell: SessionCell;
  index: number;
  dark: boolean;
  live: boolean;
  onRun: (cellId: string, code: string) => void;
  widgets: WidgetHost;
}

/** Shows one cell: its code in an editor, a run button, its status and run time, and its output. */
export function CellView({ cell, index, dark, live, onRun, widgets }: CellViewProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const code = draft ?? cell.code;
  const hidden = cell.code.trimStart().startsWith("mo.md(") && draft === null;
  const [showCode, setShowCode] = useState(!hidden);
  const run = (text: string) => {
    onRun(cell.id, text);
    setDraft(null);
  };

  return (
    <section
      className="space-y-2 rounded-lg bg-white p-3 shadow-sm dark:bg-slate-900"
      aria-label={`Cell ${index + 1}`}
      data-cell-id={cell.id}
      data-status={cell.status}
    >
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <span className={`rounded px-2 py-0.5 font-medium ${statusClasses[cell.status] ?? ""}`}>
          {cell.status}
        </span>
        {cell.status !== "stale" && cell.duration_ms > 0 && (
          <span className="text-slate-600 dark:text-slate-400">
            {cell.duration_ms < 1000
              ? `${cell.duration_ms.toFixed(1)} ms`
              : `${(cell.duration_ms / 1000).toFixed(2)} s`}
          </span>
        )}
        {cell.name !== "_" && (
          <code className="text-slate-600 dark:text-slate-400">{cell.name}</code>
        )}
        <span className="grow" />
        <Button
          variant="ghost"
          className="px-2 py-1 text-xs"
          onClick={() => {
            setShowCode(!showCode);
          }}
        >
          {showCode ? "Hide code" : "Show code"}
        </Button>
        <Button
          variant="secondary"
          className="px-2 py-1 text-xs"
          disabled={!live}
          onClick={() => {
            run(code);
          }}
          aria-label={`Run cell ${index + 1}`}
        >
          Run
        </Button>
      </div>
      {showCode && (
        <Suspense fallback={<pre className="whitespace-pre-wrap text-sm">{code}</pre>}>
          <PythonEditor
            value={code}
            label={`Code of cell ${index + 1}`}
            dark={dark}
            readOnly={!live}
            onChange={setDraft}
            onRun={run}
          />
        </Suspense>
      )}
      {cell.error !== null && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {cell.error}
        </p>
      )}
      {cell.output !== null && <CellOutputView output={cell.output} widgets={widgets} />}
      {cell.dropped_chars !== undefined && (
        <p role="status" className="text-xs text-slate-600 dark:text-slate-400">
          Output truncated: the first {cell.dropped_chars.toLocaleString("en")} characters are not
          shown, only the last {maxStreamChars.toLocaleString("en")} of each stream.
        </p>
      )}
      {cell.stdout !== "" && (
        <pre
          className="overflow-x-auto whitespace-pre-wrap rounded bg-slate-50 p-2 text-sm dark:bg-slate-950"
          data-stream="stdout"
        >
          {cell.stdout}
        </pre>
      )}
      {cell.stderr !== "" && (
        <pre className="overflow-x-auto whitespace-pre-wrap rounded bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100">
          {cell.stderr}
        </pre>
      )}
      {cell.run_error !== null && (
        <div
          role="alert"
          className="space-y-1 rounded bg-red-50 p-2 text-sm text-red-900 dark:bg-red-950 dark:text-red-100"
        >
          <p className="font-medium">
            {cell.run_error.kind === "exception" ? "Error" : `Error (${cell.run_error.kind})`}:{" "}
            {cell.run_error.message}
          </p>
          {cell.run_error.traceback !== "" && (
            <pre className="overflow-x-auto whitespace-pre-wrap text-xs">
              {cell.run_error.traceback}
            </pre>
          )}
        </div>
      )}
    </section>
  );
}
