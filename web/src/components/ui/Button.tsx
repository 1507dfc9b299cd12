import type { ComponentProps } from "react";

import { buttonClass, type ButtonVariant } from "./button-class";

interface ButtonProps extends ComponentProps<"button"> {
  variant?: ButtonVariant;
  busy?: boolean;
}

export function Button({
  variant = "primary",
  busy = false,
  className = "",
  disabled,
  children,
  type = "button",
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={`${buttonClass(variant)} ${className}`}
      disabled={disabled === true || busy}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy && (
        <span
          aria-hidden="true"
          className="h-3 w-3 animate-spin rounded-full border-2 border-current border-t-transparent"
        />
      )}
      {children}
    </button>
  );
}
