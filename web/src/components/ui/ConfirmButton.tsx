import { useEffect, useId, useRef, useState } from "react";

import { Button } from "./Button";
import type { ButtonVariant } from "./button-class";

interface ConfirmButtonProps {
  /** Text of the button that opens the confirmation. */
  label: string;
  /** Accessible name of that button, when its text alone is ambiguous in a list. */
  accessibleLabel?: string;
  /** The question shown before the action runs. */
  question: string;
  /** Text of the button that runs the action. */
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  variant?: ButtonVariant;
}

/**
 * Button for a destructive action, with a confirmation in the page. A click shows the question
 * with a confirm and a cancel button. The keyboard focus moves to cancel, so Enter does no harm.
 */
export function ConfirmButton({
  label,
  accessibleLabel,
  question,
  confirmLabel,
  onConfirm,
  busy = false,
  variant = "danger",
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const questionId = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);

  useEffect(() => {
    if (asking) {
      cancel.current?.focus();
    } else if (wasAsking.current) {
      opener.current?.focus();
    }
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <Button
        ref={opener}
        aria-label={accessibleLabel}
        variant={variant}
        busy={busy}
        onClick={() => {
          setAsking(true);
        }}
      >
        {label}
      </Button>
    );
  }
  return (
    <div
      role="group"
      aria-labelledby={questionId}
      className="flex flex-wrap items-center gap-2 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          setAsking(false);
        }
      }}
    >
      <span id={questionId}>{question}</span>
      <Button
        variant="danger"
        busy={busy}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </Button>
      <Button
        ref={cancel}
        variant="secondary"
        onClick={() => {
          setAsking(false);
        }}
      >
        Cancel
      </Button>
    </div>
  );
}
