interface NoticeProps {
  children: React.ReactNode;
}

/** A short confirmation, announced politely to screen readers. */
export function Notice({ children }: NoticeProps) {
  return (
    <p
      role="status"
      className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100"
    >
      {children}
    </p>
  );
}
