import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";

import { useDeleteLab } from "../hooks/queries";

interface DeleteLabButtonProps {
  labId: number;
  onDeleted: (archived: boolean) => void;
}

/** Deletes a lab, or archives it when it has submissions (the server decides). */
export function DeleteLabButton({ labId, onDeleted }: DeleteLabButtonProps) {
  const remove = useDeleteLab(labId);
  return (
    <>
      <Button
        variant="danger"
        busy={remove.isPending}
        onClick={() => {
          if (window.confirm("Delete this lab? A lab with submissions is archived instead.")) {
            remove.mutate(undefined, {
              onSuccess: (result) => {
                onDeleted(result?.archived === true);
              },
            });
          }
        }}
      >
        Delete or archive
      </Button>
      <ErrorMessage error={remove.error} />
    </>
  );
}
