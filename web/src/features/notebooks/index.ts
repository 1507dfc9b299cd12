import { lazy } from "react";

// The notebook view, CodeMirror and the widget code load only on pages that show a notebook.
export const LabNotebooks = lazy(() => import("./components/LabNotebooks"));
export const NotebookView = lazy(() => import("./components/NotebookView"));
export const ParentNotebooks = lazy(() => import("./components/ParentNotebooks"));
