import { python } from "@codemirror/lang-python";
import { EditorState } from "@codemirror/state";
import { oneDarkTheme } from "@codemirror/theme-one-dark";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

import {
  accessibleDarkGutters,
  accessibleHighlighting,
} from "@/components/code-highlight/accessible-highlight";

export interface PythonEditorProps {
  value: string;
  label: string;
  dark: boolean;
  readOnly: boolean;
  onChange: (value: string) => void;
  /** Shift+Enter: run the cell with its current text. */
  onRun: (value: string) => void;
}

/** Edits a cell's Python in CodeMirror 6. Loaded lazily, only on pages that show a notebook. */
export default function PythonEditor({
  value,
  label,
  dark,
  readOnly,
  onChange,
  onRun,
}: PythonEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onRun });

  useEffect(() => {
    callbacks.current = { onChange, onRun };
  }, [onChange, onRun]);

  useEffect(() => {
    if (host.current === null) {
      return;
    }
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: view.current?.state.doc.toString() ?? value,
        extensions: [
          keymap.of([
            {
              key: "Shift-Enter",
              run: (target) => {
                callbacks.current.onRun(target.state.doc.toString());
                return true;
              },
            },
          ]),
          basicSetup,
          python(),
          EditorState.readOnly.of(readOnly),
          // The content is in the tab order anyway, because it is contenteditable. An explicit
          // tabindex lets axe see that an editor that scrolls on a phone has focusable content.
          EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" }),
          ...(dark ? [oneDarkTheme, accessibleDarkGutters] : []),
          accessibleHighlighting(dark),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) {
              callbacks.current.onChange(update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
    };
    // Rebuilt only when the theme or mode changes; `value` is synced below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dark, readOnly, label]);

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
      className="overflow-hidden rounded border border-slate-300 text-sm dark:border-slate-700"
    />
  );
}
