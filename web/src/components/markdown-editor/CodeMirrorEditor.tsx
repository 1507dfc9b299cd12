import { markdown } from "@codemirror/lang-markdown";
import { EditorState, Prec } from "@codemirror/state";
import { oneDarkTheme } from "@codemirror/theme-one-dark";
import { EditorView, placeholder as placeholderExtension } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

import { accessibleHighlighting } from "../code-highlight/accessible-highlight";

export interface CodeMirrorEditorProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  label: string;
  dark: boolean;
  placeholder?: string;
  describedBy?: string;
}

// One Dark's line numbers (#7d8799 on #282c34) fall below the 4.5:1 contrast of WCAG AA, and
// #a0a8b7 reaches 5.9:1 on the editor background and 5.5:1 on the active line.
const darkGutters = Prec.highest(
  EditorView.theme(
    { ".cm-gutters": { color: "#a0a8b7" }, ".cm-activeLineGutter": { color: "#d7dae0" } },
    { dark: true },
  ),
);

/** Edits Markdown in CodeMirror 6. Loaded lazily, because it is the largest part of the form pages. */
export default function CodeMirrorEditor({
  id,
  value,
  onChange,
  label,
  dark,
  placeholder = "",
  describedBy,
}: CodeMirrorEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latestOnChange = useRef(onChange);

  useEffect(() => {
    latestOnChange.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (host.current === null) {
      return;
    }
    const attributes: Record<string, string> = { id, "aria-label": label };
    if (describedBy !== undefined) {
      attributes["aria-describedby"] = describedBy;
    }
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: view.current?.state.doc.toString() ?? value,
        extensions: [
          basicSetup,
          markdown(),
          EditorView.lineWrapping,
          EditorView.contentAttributes.of(attributes),
          placeholderExtension(placeholder),
          ...(dark ? [oneDarkTheme, darkGutters] : []),
          accessibleHighlighting(dark),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) {
              latestOnChange.current(update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
    };
    // The editor is rebuilt only when its theme or labels change; `value` is synced below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dark, id, label, placeholder, describedBy]);

  useEffect(() => {
    const editor = view.current;
    if (editor === null || editor.state.doc.toString() === value) {
      return;
    }
    editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  return (
    <div
      ref={host}
      data-testid="markdown-editor"
      className="min-h-64 overflow-hidden rounded-md border border-slate-300 text-sm dark:border-slate-600 [&_.cm-editor]:min-h-64 [&_.cm-scroller]:max-h-[32rem]"
    />
  );
}
