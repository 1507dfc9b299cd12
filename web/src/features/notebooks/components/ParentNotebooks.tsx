import { useQuery } from "@tanstack/react-query";

import { ErrorMessage } from "@/components/ui/ErrorMessage";

import { listNotebooks, type NotebookParent } from "../api/notebooks-api";
import NotebookView from "./NotebookView";

interface ParentNotebooksProps {
  parent: NotebookParent;
  viewerId: number;
}

/**
 * Shows the stored notebooks of a lab or an article, each runnable in a live session. Their
 * owner saves edits to the notebook; other readers save a copy of their own. Loaded lazily.
 */
export default function ParentNotebooks({ parent, viewerId }: ParentNotebooksProps) {
  const notebooks = useQuery({
    queryKey: ["notebooks", parent],
    queryFn: () => listNotebooks(parent),
  });
  if (notebooks.isError) {
    return <ErrorMessage error={notebooks.error} title="The notebooks could not be loaded." />;
  }
  if (notebooks.data === undefined || notebooks.data.length === 0) {
    return null;
  }
  return (
    <section aria-labelledby="stored-notebooks" className="space-y-4">
      <h2 id="stored-notebooks" className="text-lg font-semibold">
        Notebooks
      </h2>
      {notebooks.data.map((notebook) => (
        <NotebookView
          key={notebook.id}
          title={notebook.title}
          origin={{ notebookId: notebook.id }}
          saveAs={notebook.owner_id === viewerId ? "owner" : "copy"}
        />
      ))}
    </section>
  );
}
