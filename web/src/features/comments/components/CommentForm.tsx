import { useId, useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { inputClass } from "@/components/ui/Field";

interface CommentFormProps {
  label: string;
  submitLabel: string;
  initial?: string;
  busy: boolean;
  error: unknown;
  onSubmit: (content: string) => Promise<unknown>;
  onCancel?: () => void;
}

export function CommentForm({
  label,
  submitLabel,
  initial = "",
  busy,
  error,
  onSubmit,
  onCancel,
}: CommentFormProps) {
  const id = useId();
  const [content, setContent] = useState(initial);
  const [invalid, setInvalid] = useState<string | undefined>();

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (content.trim() === "") {
      setInvalid("Write something first.");
      return;
    }
    if (content.length > 10000) {
      setInvalid("Use at most 10000 characters.");
      return;
    }
    setInvalid(undefined);
    onSubmit(content).then(
      () => {
        setContent("");
      },
      () => undefined,
    );
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-2">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <textarea
        id={id}
        rows={3}
        className={inputClass}
        placeholder={`${label} (Markdown)`}
        value={content}
        aria-invalid={invalid !== undefined}
        onChange={(event) => {
          setContent(event.target.value);
        }}
      />
      {invalid !== undefined && <p className="text-xs text-red-700 dark:text-red-400">{invalid}</p>}
      <ErrorMessage error={error} />
      <div className="flex gap-2">
        <Button type="submit" busy={busy}>
          {submitLabel}
        </Button>
        {onCancel !== undefined && (
          <Button variant="secondary" onClick={onCancel}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
