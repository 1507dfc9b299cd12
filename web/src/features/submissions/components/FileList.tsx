import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { fetchPrivateFile, saveBlob } from "@/lib/download";
import { formatBytes } from "@/lib/format";

import type { StoredFileInfo } from "../api/submissions-api";
import { FileViewer } from "./FileViewer";

interface FileListProps {
  title: string;
  files: StoredFileInfo[];
  urlFor: (file: StoredFileInfo) => string;
}

/** Private files with buttons to view each in the page or download it. */
export function FileList({ title, files, urlFor }: FileListProps) {
  const [open, setOpen] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (files.length === 0) {
    return null;
  }
  const download = (file: StoredFileInfo) => {
    setError(null);
    fetchPrivateFile(urlFor(file)).then((blob) => {
      saveBlob(blob, file.filename);
    }, setError);
  };
  return (
    <section aria-label={title} className="space-y-2">
      <h3 className="text-sm font-semibold">{title}</h3>
      <ErrorMessage error={error} />
      <ul className="space-y-2">
        {files.map((file) => (
          <li
            key={file.id}
            className="rounded-md border border-slate-200 p-2 text-sm dark:border-slate-700"
          >
            <div className="flex flex-wrap items-center justify-between gap-2">
              <span className="truncate">
                {file.filename}{" "}
                <span className="text-slate-600 dark:text-slate-400">
                  ({formatBytes(file.size)})
                </span>
              </span>
              <span className="flex gap-1">
                <Button
                  variant="secondary"
                  aria-expanded={open === file.id}
                  aria-label={`${open === file.id ? "Hide" : "View"} ${file.filename}`}
                  onClick={() => {
                    setOpen(open === file.id ? null : file.id);
                  }}
                >
                  {open === file.id ? "Hide" : "View"}
                </Button>
                <Button
                  variant="secondary"
                  aria-label={`Download ${file.filename}`}
                  onClick={() => {
                    download(file);
                  }}
                >
                  Download
                </Button>
              </span>
            </div>
            {open === file.id && (
              <div className="mt-2">
                <FileViewer file={file} url={urlFor(file)} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
