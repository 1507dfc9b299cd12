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
  const [dropped, setDropped] = useState(0);
  const single = maxFiles === 1;
  let chooseLabel = "Choose files";
  if (single) {
    chooseLabel = files.length > 0 ? "Choose another file" : "Choose a file";
  }

  const add = (added: FileList | null) => {
    // Copy before the caller clears the input, which empties its live FileList.
    const chosen = Array.from(added ?? []);
    if (chosen.length === 0) {
      return;
    }
    // A single-file picker replaces its file; a multi-file picker appends up to its limit.
    const merged = single ? chosen.slice(0, 1) : [...files, ...chosen];
    setDropped(Math.max(0, merged.length - maxFiles));
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
        <p>{single ? "Drop a file here, or" : "Drop files here, or"}</p>
        <input
          ref={input}
          id={inputId}
          type="file"
          multiple={!single}
          accept={accept}
          disabled={disabled}
          // The button below opens the dialog, so the hidden input stays out of the tab order.
          tabIndex={-1}
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
          {chooseLabel}
        </Button>
        <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">
          {single ? "One file; a new choice replaces it." : `Up to ${maxFiles} files.`}
        </p>
      </div>
      {dropped > 0 && (
        <p role="status" className="text-xs text-red-700 dark:text-red-400">
          {dropped === 1 ? "1 file was" : `${dropped} files were`} not added: the limit is{" "}
          {maxFiles} files.
        </p>
      )}
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
                      setDropped(0);
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
