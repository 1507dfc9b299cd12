import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { FileDrop } from "@/components/ui/FileDrop";
import { formatBytes } from "@/lib/format";
import { usePlatformConfig } from "@/lib/platform-config";
import { hasErrors, mergeFieldErrors, type FieldErrors } from "@/lib/validation";

import { articlesApi, type Article } from "../api/articles-api";
import { checkDraft, detailsOf, emptyDraft, type ArticleDetailsDraft } from "../article-draft";
import { ArticleDetailsFields } from "./ArticleDetailsFields";

/** Uploads a PDF article with its title, abstract, authors and tags. */
export function ArticleUploadForm({ onUploaded }: { onUploaded: (article: Article) => void }) {
  const [draft, setDraft] = useState<ArticleDetailsDraft>(emptyDraft);
  const [files, setFiles] = useState<File[]>([]);
  const [sent, setSent] = useState<number[] | undefined>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const maxPdfBytes = usePlatformConfig().data?.articles.max_pdf_bytes;
  const upload = useMutation({
    mutationFn: (file: File) =>
      articlesApi.upload({ ...detailsOf(draft), file }, ({ loaded }) => {
        setSent([Math.min(loaded, file.size)]);
      }),
    onSettled: () => {
      setSent(undefined);
    },
    onSuccess: onUploaded,
  });
  const fieldErrors = mergeFieldErrors(errors, upload.error);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found = checkDraft(draft);
    const file = files[0];
    if (file === undefined) found.file = "Choose the PDF file.";
    else if (!file.name.toLowerCase().endsWith(".pdf") && file.type !== "application/pdf")
      found.file = "Choose a PDF file.";
    else if (maxPdfBytes !== undefined && file.size > maxPdfBytes)
      found.file = `Choose a PDF of at most ${formatBytes(maxPdfBytes)}.`;
    setErrors(found);
    if (!hasErrors(found) && file !== undefined) upload.mutate(file);
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <ArticleDetailsFields draft={draft} onChange={setDraft} errors={fieldErrors} />
      <FileDrop
        label="PDF file"
        files={files}
        onChange={setFiles}
        progress={sent}
        maxFiles={1}
        accept="application/pdf,.pdf"
        disabled={upload.isPending}
      />
      {fieldErrors.file !== undefined && (
        <p className="text-xs text-red-700 dark:text-red-400">{fieldErrors.file}</p>
      )}
      <ErrorMessage error={upload.error} />
      <Button type="submit" busy={upload.isPending}>
        Upload article
      </Button>
    </form>
  );
}
