import { inputClass } from "@/components/ui/Field";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { formatDateTime } from "@/lib/format";

import { useLabNotebookCopies } from "../hooks/queries";

interface NotebookCopyPickerProps {
  labId: number;
  value: number | undefined;
  onChange: (copyId: number | undefined) => void;
  disabled?: boolean;
}

/**
 * Lets the learner attach one of their saved copies of the lab's notebooks. The server stores
 * the copy as it is at submit time. Renders nothing for a lab without notebooks.
 */
export function NotebookCopyPicker({ labId, value, onChange, disabled }: NotebookCopyPickerProps) {
  const copies = useLabNotebookCopies(labId);
  if (copies.isError) {
    return <ErrorMessage error={copies.error} title="Your notebook copies could not be loaded." />;
  }
  if (copies.data === undefined || !copies.data.labHasNotebooks) return null;
  if (copies.data.copies.length === 0) {
    return (
      <p className="text-sm text-gray-600 dark:text-gray-400">
        This lab has notebooks. Save your own copy of one on the lab page to attach it here.
      </p>
    );
  }
  return (
    <div className="space-y-1">
      <label htmlFor="notebook-copy" className="block text-sm font-medium">
        Notebook copy
      </label>
      <select
        id="notebook-copy"
        className={`${inputClass} max-w-md`}
        value={value === undefined ? "" : String(value)}
        disabled={disabled}
        onChange={(event) => {
          onChange(event.target.value === "" ? undefined : Number(event.target.value));
        }}
      >
        <option value="">Attach no notebook</option>
        {copies.data.copies.map((copy) => (
          <option key={copy.id} value={String(copy.id)}>
            {copy.title} (saved {formatDateTime(copy.updated_at)})
          </option>
        ))}
      </select>
      <p className="text-sm text-gray-600 dark:text-gray-400">
        The copy is attached as a marimo .py file, as it is when you submit.
      </p>
    </div>
  );
}
