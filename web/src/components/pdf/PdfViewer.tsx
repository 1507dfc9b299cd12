import { lazy, Suspense } from "react";

import { Loading } from "@/components/ui/Loading";

import type { PdfDocumentProps } from "./PdfDocument";

// pdf.js is about 1 MB, so it loads only when a PDF is shown.
const PdfDocument = lazy(() => import("./PdfDocument"));

export function PdfViewer(props: PdfDocumentProps) {
  return (
    <Suspense fallback={<Loading label="Loading the PDF viewer…" />}>
      <PdfDocument {...props} />
    </Suspense>
  );
}
