import { useMutation } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";

import { Button } from "@/components/ui/Button";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { TextAreaField, TextField } from "@/components/ui/Field";
import { FileDrop } from "@/components/ui/FileDrop";
import { hasErrors, mergeFieldErrors, type FieldErrors } from "@/lib/validation";

import { articlesApi, type Article } from "../api/articles-api";

const splitList = (text: string) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** Uploads a PDF article with its title, abstract, authors and tags. */
export function ArticleUploadForm({ onUploaded }: { onUploaded: (article: Article) => void }) {
  const [title, setTitle] = useState("");
  const [abstract, setAbstract] = useState("");
  const [authors, setAuthors] = useState("");
  const [tags, setTags] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [sent, setSent] = useState<number[] | undefined>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const upload = useMutation({
    mutationFn: (file: File) =>
      articlesApi.upload(
        { title: title.trim(), abstract, authors: splitList(authors), tags: splitList(tags), file },
        ({ loaded }) => {
          setSent([Math.min(loaded, file.size)]);
        },
      ),
    onSettled: () => {
      setSent(undefined);
    },
    onSuccess: onUploaded,
  });
  const fieldErrors = mergeFieldErrors(errors, upload.error);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    const file = files[0];
    if (title.trim() === "") found.title = "Enter a title.";
    if (file === undefined) found.file = "Choose the PDF file.";
    else if (!file.name.toLowerCase().endsWith(".pdf") && file.type !== "application/pdf")
      found.file = "Choose a PDF file.";
    setErrors(found);
    if (!hasErrors(found) && file !== undefined) upload.mutate(file);
  };

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <TextField
        label="Title"
        value={title}
        onChange={(event) => {
          setTitle(event.target.value);
        }}
        error={fieldErrors.title}
      />
      <TextField
        label="Authors"
        value={authors}
        onChange={(event) => {
          setAuthors(event.target.value);
        }}
        hint="Separated by commas."
        error={fieldErrors.authors}
      />
      <TextAreaField
        label="Abstract"
        rows={4}
        value={abstract}
        onChange={(event) => {
          setAbstract(event.target.value);
        }}
        error={fieldErrors.abstract}
      />
      <TextField
        label="Tags"
        value={tags}
        onChange={(event) => {
          setTags(event.target.value);
        }}
        hint="Separated by commas."
        error={fieldErrors.tags}
      />
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
