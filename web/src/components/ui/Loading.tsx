interface LoadingProps {
  label?: string;
}

export function Loading({ label = "Loading…" }: LoadingProps) {
  return (
    <p
      role="status"
      className="flex items-center gap-2 py-6 text-sm text-slate-600 dark:text-slate-400"
    >
      <span
        aria-hidden="true"
        className="h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent"
      />
      {label}
    </p>
  );
}
