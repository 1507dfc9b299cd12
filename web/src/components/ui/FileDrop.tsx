import { useId, useRef, useState, type DragEvent } from "react";

import { formatBytes } from "@/lib/format";

import { Button } from "./Button";
import { ProgressBar } from "./ProgressBar";

interface FileDropProps {
  label: string;
  files: File[];
  onChange: (files: File[]) => void;
  /** Bytes sent so far for each file, by index, while an upload runs. */
  progress?: number[];
  maxFiles?: number;
  accept?: string;
  disabled?: boolean;
}

/** Picks files by dialog or by drag and drop, and shows one progress bar per file. */
export function FileDrop({
  label,
  files,
  onChange,
  progress,
  maxFiles = 10,
  accept,
  disabled = false,
}: FileDropProps) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);

  const add = (added: FileList | null) => {
    if (added === null) {
      return;
    }
    // A single-file picker replaces its file; a multi-file picker appends up to its limit.
    const merged = maxFiles === 1 ? Array.from(added) : [...files, ...Array.from(added)];
    onChange(merged.slice(0, maxFiles));
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (!disabled) {
      add(event.dataTransfer.files);
    }
  };

  return (
    <div className="space-y-2">
      <label htmlFor={inputId} className="block text-sm font-medium">
        {label}
      </label>
      <div
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => {
          setDragging(false);
        }}
        onDrop={onDrop}
        data-testid="file-drop"
        className={`rounded-lg border-2 border-dashed px-4 py-6 text-center text-sm ${
          dragging
            ? "border-indigo-500 bg-indigo-50 dark:bg-indigo-950"
            : "border-slate-300 dark:border-slate-600"
        }`}
      >
        <p>Drop files here, or</p>
        <input
          ref={input}
          id={inputId}
          type="file"
          multiple={maxFiles > 1}
          accept={accept}
          disabled={disabled}
          className="sr-only"
          onChange={(event) => {
            add(event.target.files);
            event.target.value = "";
          }}
        />
        <Button
          variant="secondary"
          className="mt-2"
          disabled={disabled}
          onClick={() => input.current?.click()}
        >
          Choose files
        </Button>
        <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">Up to {maxFiles} files.</p>
      </div>
      {files.length > 0 && (
        <ul className="space-y-2" aria-label="Selected files">
          {files.map((file, index) => (
            <li key={`${file.name}-${index}`} className="space-y-1 text-sm">
              {progress?.[index] !== undefined ? (
                <ProgressBar label={file.name} value={progress[index]} max={file.size} />
              ) : (
                <div className="flex items-center justify-between gap-2">
                  <span className="truncate">
                    {file.name}{" "}
                    <span className="text-slate-600 dark:text-slate-400">
                      ({formatBytes(file.size)})
                    </span>
                  </span>
                  <Button
                    variant="ghost"
                    disabled={disabled}
                    aria-label={`Remove ${file.name}`}
                    onClick={() => {
                      onChange(files.filter((_, other) => other !== index));
                    }}
                  >
                    Remove
                  </Button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
