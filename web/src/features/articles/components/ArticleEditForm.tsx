import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { hasErrors, mergeFieldErrors, type FieldErrors } from "@/lib/validation";

import type { Article } from "../api/articles-api";
import { useUpdateArticle } from "../hooks/queries";
import { checkDraft, detailsOf, draftOf, type ArticleDetailsDraft } from "../article-draft";
import { ArticleDetailsFields } from "./ArticleDetailsFields";

interface ArticleEditFormProps {
  article: Article;
  onSaved: (article: Article) => void;
}

/** Changes an article's title, authors, abstract and tags. The PDF stays as uploaded. */
export function ArticleEditForm({ article, onSaved }: ArticleEditFormProps) {
  const [draft, setDraft] = useState<ArticleDetailsDraft>(() => draftOf(article));
  const [errors, setErrors] = useState<FieldErrors>({});
  const save = useUpdateArticle(article.id);
  const fieldErrors = mergeFieldErrors(errors, save.error);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found = checkDraft(draft);
    setErrors(found);
    if (!hasErrors(found)) save.mutate(detailsOf(draft), { onSuccess: onSaved });
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <ArticleDetailsFields draft={draft} onChange={setDraft} errors={fieldErrors} />
      <ErrorMessage error={save.error} />
      <Button type="submit" busy={save.isPending}>
        Save changes
      </Button>
    </form>
  );
}
