interface EmptyStateProps {
  title: string;
  children?: React.ReactNode;
}

/** Says that a list is empty and what to do about it. */
export function EmptyState({ title, children }: EmptyStateProps) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center dark:border-slate-600">
      <p className="font-medium">{title}</p>
      {children !== undefined && (
        <div className="mt-2 text-sm text-slate-600 dark:text-slate-400">{children}</div>
      )}
    </div>
  );
}
