import { TextAreaField, TextField } from "@/components/ui/Field";
import type { FieldErrors } from "@/lib/validation";

import type { ArticleDetailsDraft } from "../article-draft";

interface ArticleDetailsFieldsProps {
  draft: ArticleDetailsDraft;
  onChange: (draft: ArticleDetailsDraft) => void;
  errors: FieldErrors;
}

/** Title, authors, abstract and tags of an article, for the upload and the edit forms. */
export function ArticleDetailsFields({ draft, onChange, errors }: ArticleDetailsFieldsProps) {
  const set = (field: keyof ArticleDetailsDraft) => (event: { target: { value: string } }) => {
    onChange({ ...draft, [field]: event.target.value });
  };
  return (
    <>
      <TextField label="Title" value={draft.title} onChange={set("title")} error={errors.title} />
      <TextField
        label="Authors"
        value={draft.authors}
        onChange={set("authors")}
        hint="Separated by commas."
        error={errors.authors}
      />
      <TextAreaField
        label="Abstract"
        rows={4}
        value={draft.abstract}
        onChange={set("abstract")}
        error={errors.abstract}
      />
      <TextField
        label="Tags"
        value={draft.tags}
        onChange={set("tags")}
        hint="Separated by commas."
        error={errors.tags}
      />
    </>
  );
}
