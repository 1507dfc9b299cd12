import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { ErrorMessage } from "@/components/ui/ErrorMessage";

import { useDeleteLab } from "../hooks/queries";

interface DeleteLabButtonProps {
  labId: number;
  onDeleted: (archived: boolean) => void;
}

/** Deletes a lab after a confirmation, or archives it when it has submissions (the server decides). */
export function DeleteLabButton({ labId, onDeleted }: DeleteLabButtonProps) {
  const remove = useDeleteLab(labId);
  return (
    <>
      <ConfirmButton
        label="Delete or archive"
        question="Delete this lab? A lab with submissions is archived instead."
        confirmLabel="Delete lab"
        busy={remove.isPending}
        onConfirm={() => {
          remove.mutate(undefined, {
            onSuccess: (result) => {
              onDeleted(result?.archived === true);
            },
          });
        }}
      />
      <ErrorMessage error={remove.error} />
    </>
  );
}
