import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";

import type { LabListParams } from "../api/labs-api";
import { useLabs } from "../hooks/queries";
import { LabCard } from "./LabCard";

interface LabListProps {
  params: LabListParams;
  /** Without it the list shows one page and no page controls. */
  onPageChange?: (page: number) => void;
  emptyHint: React.ReactNode;
}

export function LabList({ params, onPageChange, emptyHint }: LabListProps) {
  const labs = useLabs(params);
  if (labs.isPending) {
    return <Loading label="Loading labs…" />;
  }
  if (labs.isError) {
    return <ErrorMessage error={labs.error} title="The labs could not be loaded." />;
  }
  if (labs.data.items.length === 0) {
    const filtered = (params.q ?? "") !== "" || (params.tags?.length ?? 0) > 0;
    return (
      <EmptyState title={filtered ? "No lab matches this search." : "No labs yet."}>
        {filtered ? "Try other words, or clear the tag filter." : emptyHint}
      </EmptyState>
    );
  }
  return (
    <div>
      <p className="mb-2 text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
        {labs.data.total} {labs.data.total === 1 ? "lab" : "labs"}
      </p>
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {labs.data.items.map((lab) => (
          <LabCard key={lab.id} lab={lab} />
        ))}
      </ul>
      {onPageChange !== undefined && (
        <Pagination
          page={params.page}
          limit={labs.data.limit}
          total={labs.data.total}
          onChange={onPageChange}
        />
      )}
    </div>
  );
}
