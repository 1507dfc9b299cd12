import { useLabForTitle } from "../hooks/queries";

/** Renders the title of lab `id` as text, or "lab #id" while it loads and when it fails to load. */
export function LabTitle({ id }: { id: number }) {
  const lab = useLabForTitle(id);
  return <>{lab.data?.title ?? `lab #${String(id)}`}</>;
}
