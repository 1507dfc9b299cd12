import { useId, useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { inputClass } from "@/components/ui/Field";
import { RestoredDraftNotice } from "@/components/ui/RestoredDraftNotice";
import { useDraft } from "@/lib/drafts";

interface CommentFormProps {
  label: string;
  submitLabel: string;
  initial?: string;
  /** Storage key of the unsent text (see draftKey), or undefined to keep no draft. */
  draftKey?: string;
  busy: boolean;
  error: unknown;
  onSubmit: (content: string) => Promise<unknown>;
  onCancel?: () => void;
}

export function CommentForm({
  label,
  submitLabel,
  initial = "",
  draftKey,
  busy,
  error,
  onSubmit,
  onCancel,
}: CommentFormProps) {
  const id = useId();
  const draft = useDraft(draftKey, { content: initial });
  const content = draft.value.content;
  const [invalid, setInvalid] = useState<string | undefined>();
  // The server's error belongs to the last send, so a later local check hides it.
  const [showServerError, setShowServerError] = useState(true);

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (content.trim() === "") {
      setInvalid("Write something first.");
      setShowServerError(false);
      return;
    }
    if (content.length > 10000) {
      setInvalid("Use at most 10000 characters.");
      setShowServerError(false);
      return;
    }
    setInvalid(undefined);
    setShowServerError(true);
    onSubmit(content).then(
      () => {
        draft.clear();
      },
      () => undefined,
    );
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-2">
      {draft.restored && <RestoredDraftNotice what="your comment" />}
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
          draft.change({ content: event.target.value });
        }}
      />
      {invalid !== undefined && <p className="text-xs text-red-700 dark:text-red-400">{invalid}</p>}
      <ErrorMessage error={showServerError ? error : null} />
      <div className="flex gap-2">
        <Button type="submit" busy={busy}>
          {submitLabel}
        </Button>
        {onCancel !== undefined && (
          <Button
            variant="secondary"
            onClick={() => {
              draft.clear();
              onCancel();
            }}
          >
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
