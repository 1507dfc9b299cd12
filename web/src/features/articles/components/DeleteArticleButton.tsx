import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { ErrorMessage } from "@/components/ui/ErrorMessage";

import { useDeleteArticle } from "../hooks/queries";

/** Deletes an article and its PDF, after a confirmation. */
export function DeleteArticleButton({
  articleId,
  onDeleted,
}: {
  articleId: number;
  onDeleted: () => void;
}) {
  const remove = useDeleteArticle(articleId);
  return (
    <>
      <ConfirmButton
        label="Delete"
        question="Delete this article and its PDF? This cannot be undone."
        confirmLabel="Delete article"
        busy={remove.isPending}
        onConfirm={() => {
          remove.mutate(undefined, { onSuccess: onDeleted });
        }}
      />
      <ErrorMessage error={remove.error} />
    </>
  );
}
