interface SectionProps {
  id: string;
  title: string;
  children: React.ReactNode;
}

/** A titled card on a page. */
export function Section({ id, title, children }: SectionProps) {
  return (
    <section
      id={id}
      aria-labelledby={`${id}-title`}
      className="space-y-4 rounded-lg bg-white p-4 shadow-sm sm:p-6 dark:bg-slate-900"
    >
      <h2 id={`${id}-title`} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}
