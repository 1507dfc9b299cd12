import DOMPurify from "dompurify";
import { useEffect, useRef } from "react";

import { Markdown } from "@/components/markdown/Markdown";

import type { CellOutput } from "../api/sessions-api";
import { hydrateWidgets, type WidgetHost } from "./widgets";

/**
 * Sanitizes HTML that a notebook produced: no scripts, event handlers or frames, because an
 * author's notebook runs in every learner's page. Widget elements and data-* attributes stay.
 */
function sanitize(html: string): string {
  return DOMPurify.sanitize(html, {
    ADD_TAGS: ["openlabs-widget"],
    FORBID_TAGS: ["style", "form"],
  });
}

function HtmlOutput({ html, widgets }: { html: string; widgets: WidgetHost }) {
  const container = useRef<HTMLDivElement>(null);
  const latestWidgets = useRef(widgets);
  useEffect(() => {
    latestWidgets.current = widgets;
  }, [widgets]);
  useEffect(() => {
    if (container.current === null) {
      return;
    }
    container.current.innerHTML = sanitize(html);
    hydrateWidgets(container.current, {
      setValue: (id, value) => {
        latestWidgets.current.setValue(id, value);
      },
      uploadFiles: (id, files) => latestWidgets.current.uploadFiles(id, files),
    });
  }, [html]);
  return <div ref={container} className="notebook-html overflow-x-auto text-sm" />;
}

/** Shows a cell's output by its MIME type: text, HTML with live widgets, Markdown or an image. */
export function CellOutputView({ output, widgets }: { output: CellOutput; widgets: WidgetHost }) {
  switch (output.mime) {
    case "text/html":
      return <HtmlOutput html={output.data} widgets={widgets} />;
    case "text/markdown":
      return <Markdown source={output.data} />;
    case "image/png":
      return (
        <img
          src={`data:image/png;base64,${output.data}`}
          alt="Figure produced by the cell"
          className="max-w-full bg-white"
        />
      );
    case "image/svg+xml":
      return (
        <img
          src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(output.data)}`}
          alt="Figure produced by the cell"
          className="max-w-full bg-white"
        />
      );
    default:
      return <pre className="overflow-x-auto whitespace-pre-wrap text-sm">{output.data}</pre>;
  }
}
