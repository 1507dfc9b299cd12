import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { Prec } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

// Token colours with a contrast ratio of at least 4.5:1 (WCAG AA for normal text) against the
// editor backgrounds: white in the light theme and #282c34 (One Dark) in the dark theme. The
// stock styles fall below it for comments and a few other tokens.
const light = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword], color: "#6f42c1" },
  { tag: [t.operatorKeyword, t.self, t.null, t.bool, t.atom], color: "#0550ae" },
  { tag: [t.comment, t.lineComment, t.blockComment, t.meta], color: "#57606a" },
  { tag: [t.string, t.special(t.string), t.regexp, t.escape], color: "#116329" },
  { tag: [t.number, t.integer, t.float], color: "#0550ae" },
  { tag: [t.function(t.variableName), t.definition(t.variableName)], color: "#6639ba" },
  { tag: [t.className, t.typeName, t.propertyName], color: "#953800" },
  { tag: [t.heading, t.strong], fontWeight: "bold", color: "#1f2328" },
  { tag: [t.link, t.url], color: "#0a4fa8", textDecoration: "underline" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.invalid, color: "#a40e26" },
]);

const dark = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.definitionKeyword, t.moduleKeyword], color: "#d7a1f0" },
  { tag: [t.operatorKeyword, t.self, t.null, t.bool, t.atom], color: "#7fc1ff" },
  { tag: [t.comment, t.lineComment, t.blockComment, t.meta], color: "#a0a8b7" },
  { tag: [t.string, t.special(t.string), t.regexp, t.escape], color: "#a8d89a" },
  { tag: [t.number, t.integer, t.float], color: "#e5b07a" },
  { tag: [t.function(t.variableName), t.definition(t.variableName)], color: "#8ec8ff" },
  { tag: [t.className, t.typeName, t.propertyName], color: "#f0c674" },
  { tag: [t.heading, t.strong], fontWeight: "bold", color: "#e6edf3" },
  { tag: [t.link, t.url], color: "#9ecbff", textDecoration: "underline" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.invalid, color: "#ff9b9b" },
]);

/**
 * Returns the CodeMirror extension that colours tokens readably in the given theme. Use it with One
 * Dark's editor theme (oneDarkTheme), not with oneDark, whose own token colours would compete.
 */
export function accessibleHighlighting(darkTheme: boolean) {
  return Prec.highest(syntaxHighlighting(darkTheme ? dark : light));
}

/**
 * Line numbers readable on One Dark: its #7d8799 on #282c34 is 3.9:1, below the 4.5:1 of WCAG AA,
 * and #a0a8b7 reaches 5.9:1 on the editor background and 5.5:1 on the active line.
 */
export const accessibleDarkGutters = Prec.highest(
  EditorView.theme(
    { ".cm-gutters": { color: "#a0a8b7" }, ".cm-activeLineGutter": { color: "#d7dae0" } },
    { dark: true },
  ),
);
