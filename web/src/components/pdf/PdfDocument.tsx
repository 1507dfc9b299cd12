import "react-pdf/dist/Page/TextLayer.css";
import "react-pdf/dist/Page/AnnotationLayer.css";

import { useEffect, useRef, useState } from "react";
import { Document, Page, pdfjs } from "react-pdf";

import { Button } from "@/components/ui/Button";

import { nameAnnotationLinks } from "./annotation-links";

pdfjs.GlobalWorkerOptions.workerSrc = new URL(
  "pdfjs-dist/build/pdf.worker.min.mjs",
  import.meta.url,
).toString();

export interface PdfDocumentProps {
  /** A URL on this site, or the bytes of a private file. */
  file: string | Blob;
  title: string;
  /** The page to show; a change turns the viewer to it (the assistant's citations set it). */
  page?: number;
}

const zoomSteps = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

/** Returns the inner width of `element` in CSS pixels, updated as it resizes. */
function useContentWidth(element: React.RefObject<HTMLElement | null>): number | undefined {
  const [width, setWidth] = useState<number>();
  useEffect(() => {
    const target = element.current;
    if (target === null || typeof ResizeObserver === "undefined") {
      return;
    }
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setWidth(entry.contentRect.width);
    });
    observer.observe(target);
    return () => {
      observer.disconnect();
    };
  }, [element]);
  return width;
}

/** Shows a PDF with page navigation, zoom and selectable text. Loaded lazily, with pdf.js. */
export default function PdfDocument({ file, title, page: requestedPage }: PdfDocumentProps) {
  const viewer = useRef<HTMLDivElement>(null);
  const [pages, setPages] = useState(0);
  const [page, setPage] = useState(requestedPage ?? 1);
  const [shownRequest, setShownRequest] = useState(requestedPage);
  if (requestedPage !== shownRequest) {
    setShownRequest(requestedPage);
    if (requestedPage !== undefined && requestedPage >= 1) setPage(requestedPage);
  }
  const [zoom, setZoom] = useState(2);
  const [error, setError] = useState<string | null>(null);
  const scale = zoomSteps[zoom] ?? 1;
  const viewerWidth = useContentWidth(viewer);
  const [pageWidth, setPageWidth] = useState<number>();
  // On screens narrower than the page (phones), 100% fits the page to the viewer's width.
  const fitWidth =
    viewerWidth !== undefined && pageWidth !== undefined && viewerWidth < pageWidth
      ? Math.floor(viewerWidth)
      : undefined;

  return (
    <section aria-label={`PDF: ${title}`} className="space-y-2">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <Button
          variant="secondary"
          disabled={page <= 1}
          onClick={() => {
            setPage(page - 1);
          }}
        >
          Previous page
        </Button>
        <label className="flex items-center gap-1">
          Page
          <input
            type="number"
            min={1}
            max={Math.max(1, pages)}
            value={page}
            onChange={(event) => {
              const value = Number(event.target.value);
              if (value >= 1 && value <= pages) setPage(value);
            }}
            className="w-16 rounded border border-slate-300 bg-white px-2 py-1 dark:border-slate-600 dark:bg-slate-900"
          />
          of {pages === 0 ? "…" : pages}
        </label>
        <Button
          variant="secondary"
          disabled={page >= pages}
          onClick={() => {
            setPage(page + 1);
          }}
        >
          Next page
        </Button>
        <span className="ml-auto flex items-center gap-1">
          <Button
            variant="secondary"
            aria-label="Zoom out"
            disabled={zoom <= 0}
            onClick={() => {
              setZoom(zoom - 1);
            }}
          >
            −
          </Button>
          <span aria-live="polite" className="w-12 text-center">
            {Math.round(scale * 100)}%
          </span>
          <Button
            variant="secondary"
            aria-label="Zoom in"
            disabled={zoom >= zoomSteps.length - 1}
            onClick={() => {
              setZoom(zoom + 1);
            }}
          >
            +
          </Button>
        </span>
      </div>
      {error !== null && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <div
        ref={viewer}
        className="overflow-auto rounded-md border border-slate-200 bg-slate-200 p-2 dark:border-slate-700 dark:bg-slate-800"
        data-testid="pdf-viewer"
      >
        <Document
          file={file}
          onLoadSuccess={(loaded) => {
            setPages(loaded.numPages);
            setError(null);
          }}
          onLoadError={() => {
            setError("The PDF could not be opened. Download it to read it instead.");
          }}
          loading={<p className="p-4 text-sm">Opening the PDF…</p>}
        >
          <Page
            pageNumber={page}
            scale={scale}
            width={fitWidth}
            onLoadSuccess={(loaded) => {
              setPageWidth(loaded.originalWidth);
            }}
            className="mx-auto w-fit shadow"
            loading={<p className="p-4 text-sm">Rendering page {page}…</p>}
            onRenderAnnotationLayerSuccess={() => {
              if (viewer.current !== null) nameAnnotationLinks(viewer.current);
            }}
          />
        </Document>
      </div>
    </section>
  );
}
