import { useCallback, useMemo, useState } from "react";

import { Button } from "@/components/ui/Button";
import { saveBlob } from "@/lib/download";
import { useDarkMode } from "@/lib/use-dark-mode";

import { replaceSource, saveCopy } from "../api/notebooks-api";
import { exportSession, type NotebookOrigin } from "../api/sessions-api";
import { type ConnectionStatus, useNotebookSession } from "../hooks/useNotebookSession";
import { CellView } from "./CellView";
import { OpenSessions } from "./OpenSessions";
import type { WidgetHost } from "./widgets";

export interface NotebookViewProps {
  title: string;
  origin: NotebookOrigin;
  /**
   * How a stored notebook is saved: by its owner into the notebook itself, by anyone else as a
   * copy of their own. Unset for a notebook that is not stored.
   */
  saveAs?: "owner" | "copy";
}

function connectionLabel(connection: ConnectionStatus): string {
  switch (connection) {
    case "connected":
      return "session running";
    case "ended":
      return "session ended";
    default:
      return connection;
  }
}

/**
 * Shows a notebook in a lab or article page. Starting it opens a live session on the server,
 * where every reader runs and edits the cells in a private copy. "Download" saves that copy as
 * a marimo file.
 */
export default function NotebookView({ title, origin, saveAs }: NotebookViewProps) {
  const dark = useDarkMode();
  const session = useNotebookSession(origin);
  const { state, connection } = session;
  const live = connection === "connected" && state.ended === null;
  const [exporting, setExporting] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  const { setWidget, uploadWidgetFiles } = session;
  const widgets = useMemo<WidgetHost>(
    () => ({ setValue: setWidget, uploadFiles: uploadWidgetFiles }),
    [setWidget, uploadWidgetFiles],
  );

  const runCell = useCallback(
    (cellId: string, code: string) => {
      const cell = session.state.cells.find((candidate) => candidate.id === cellId);
      if (cell !== undefined && cell.code !== code) {
        void session.updateCode(cellId, code);
      } else {
        session.run(cellId);
      }
    },
    [session],
  );

  const download = async () => {
    if (session.sessionId === null) {
      return;
    }
    setExporting(true);
    try {
      const exported = await exportSession(session.sessionId);
      saveBlob(
        new Blob([exported.source], { type: "text/x-python" }),
        `${title.replace(/[^\w.-]+/g, "_")}.py`,
      );
    } finally {
      setExporting(false);
    }
  };

  const save = async () => {
    if (session.sessionId === null || !("notebookId" in origin)) {
      return;
    }
    setSaving(true);
    setSaved(null);
    try {
      const exported = await exportSession(session.sessionId);
      if (saveAs === "owner") {
        await replaceSource(origin.notebookId, exported.source);
        setSaved("Saved to the notebook.");
      } else {
        const copy = await saveCopy(origin.notebookId, exported.source);
        setSaved(`Saved as your copy "${copy.title}".`);
      }
    } catch (failure: unknown) {
      setSaved(failure instanceof Error ? failure.message : "Saving failed.");
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="space-y-3" aria-label={`Notebook ${title}`} data-notebook={title}>
      <header className="flex flex-wrap items-center gap-2">
        <h3 className="text-base font-semibold">{title}</h3>
        <span className="text-xs text-slate-600 dark:text-slate-400" data-connection={connection}>
          {connectionLabel(connection)}
        </span>
        <span className="grow" />
        {session.sessionId === null ? (
          <Button onClick={session.start} busy={connection === "starting"}>
            Start notebook
          </Button>
        ) : (
          <>
            <Button variant="secondary" disabled={!live} onClick={session.runAll}>
              Run all
            </Button>
            <Button variant="secondary" disabled={!live} onClick={session.interrupt}>
              Stop cell
            </Button>
            <Button
              variant="secondary"
              busy={exporting}
              disabled={!live}
              onClick={() => void download()}
            >
              Download
            </Button>
            {saveAs !== undefined && (
              <Button
                variant="secondary"
                busy={saving}
                disabled={!live}
                onClick={() => void save()}
              >
                {saveAs === "owner" ? "Save" : "Save my copy"}
              </Button>
            )}
            <Button variant="ghost" onClick={session.stop}>
              End session
            </Button>
          </>
        )}
      </header>
      {session.error !== null && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {session.error}
        </p>
      )}
      <OpenSessions
        key={session.atSessionLimit ? "at-limit" : "below-limit"}
        currentId={session.sessionId}
        atLimit={session.atSessionLimit}
        onStart={session.start}
      />
      {saved !== null && (
        <p role="status" className="text-sm text-slate-700 dark:text-slate-300">
          {saved}
        </p>
      )}
      {state.ended !== null && (
        <p role="status" className="text-sm text-amber-800 dark:text-amber-200">
          The session ended: {state.ended}. Start it again to continue.
        </p>
      )}
      {state.cells.map((cell, index) => (
        <CellView
          key={cell.id}
          cell={cell}
          index={index}
          dark={dark}
          live={live}
          onRun={runCell}
          widgets={widgets}
        />
      ))}
      {state.console.length > 0 && (
        <details open className="rounded bg-slate-100 p-2 text-sm dark:bg-slate-800">
          <summary className="cursor-pointer font-medium">Console</summary>
          <pre className="max-h-48 overflow-auto whitespace-pre-wrap text-xs" aria-label="Console">
            {state.console.join("\n")}
          </pre>
        </details>
      )}
    </section>
  );
}
