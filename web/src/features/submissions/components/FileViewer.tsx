import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { Markdown } from "@/components/markdown/Markdown";
import { PdfViewer } from "@/components/pdf/PdfViewer";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { fetchPrivateFile } from "@/lib/download";

import type { StoredFileInfo } from "../api/submissions-api";

const codeLanguages: Record<string, string> = {
  py: "python",
  js: "javascript",
  ts: "typescript",
  tsx: "typescript",
  jsx: "javascript",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  hpp: "cpp",
  java: "java",
  go: "go",
  rs: "rust",
  rb: "ruby",
  sh: "bash",
  sql: "sql",
  json: "json",
  yaml: "yaml",
  yml: "yaml",
  r: "r",
  kt: "kotlin",
  cs: "csharp",
  php: "php",
  html: "xml",
  xml: "xml",
  css: "css",
  txt: "",
  csv: "",
  ipynb: "json",
  toml: "ini",
  ini: "ini",
  m: "matlab",
  jl: "julia",
  scala: "scala",
};

type Kind = "image" | "pdf" | "markdown" | "code" | "other";

function kindOf(file: StoredFileInfo): Kind {
  const extension = file.filename.split(".").pop()?.toLowerCase() ?? "";
  if (file.content_type.startsWith("image/")) return "image";
  if (file.content_type === "application/pdf" || extension === "pdf") return "pdf";
  if (extension === "md" || extension === "markdown") return "markdown";
  if (extension in codeLanguages || file.content_type.startsWith("text/")) return "code";
  return "other";
}

function ObjectUrlImage({ blob, alt }: { blob: Blob; alt: string }) {
  const image = useRef<HTMLImageElement>(null);
  // The object URL is made and revoked with the element, so no URL outlives its image.
  useEffect(() => {
    const created = URL.createObjectURL(blob);
    if (image.current !== null) {
      image.current.src = created;
    }
    return () => {
      URL.revokeObjectURL(created);
    };
  }, [blob]);
  return <img ref={image} alt={alt} className="max-h-[70vh] max-w-full" />;
}

function TextView({
  blob,
  file,
  kind,
}: {
  blob: Blob;
  file: StoredFileInfo;
  kind: "markdown" | "code";
}) {
  const text = useQuery({
    queryKey: ["file-text", file.id, blob.size],
    queryFn: () => blob.text(),
  });
  if (text.data === undefined) return <Loading label="Reading the file…" />;
  if (kind === "markdown") return <Markdown source={text.data} />;
  const extension = file.filename.split(".").pop()?.toLowerCase() ?? "";
  const fence = "````";
  return <Markdown source={`${fence}${codeLanguages[extension] ?? ""}\n${text.data}\n${fence}`} />;
}

interface FileViewerProps {
  file: StoredFileInfo;
  /** The private download path, /submissions/… or /reviews/…. */
  url: string;
}

/** Shows a private file in the page: images, PDFs, Markdown, and source code highlighted. */
export function FileViewer({ file, url }: FileViewerProps) {
  const kind = kindOf(file);
  const blob = useQuery({
    queryKey: ["private-file", url],
    queryFn: () => fetchPrivateFile(url),
    enabled: kind !== "other",
    staleTime: Infinity,
  });
  if (kind === "other") {
    return (
      <p className="text-sm">This file type cannot be shown in the page. Download it instead.</p>
    );
  }
  if (blob.isPending) return <Loading label={`Loading ${file.filename}…`} />;
  if (blob.isError)
    return <ErrorMessage error={blob.error} title={`${file.filename} could not be loaded.`} />;
  if (kind === "image") return <ObjectUrlImage blob={blob.data} alt={file.filename} />;
  if (kind === "pdf") return <PdfViewer file={blob.data} title={file.filename} />;
  return <TextView blob={blob.data} file={file} kind={kind} />;
}
