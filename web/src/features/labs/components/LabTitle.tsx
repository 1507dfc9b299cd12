import { useLabForTitle } from "../hooks/queries";

/** The title of lab `id` as text, with "lab #id" until it has loaded or when it cannot load. */
export function LabTitle({ id }: { id: number }) {
  const lab = useLabForTitle(id);
  return <>{lab.data?.title ?? `lab #${String(id)}`}</>;
}
