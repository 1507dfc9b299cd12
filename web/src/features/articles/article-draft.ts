import type { FieldErrors } from "@/lib/validation";

import type { ArticleDetails } from "./api/articles-api";

/** The text of the detail fields as typed: lists stay comma-separated until sending. */
export interface ArticleDetailsDraft {
  title: string;
  authors: string;
  abstract: string;
  tags: string;
}

export const emptyDraft: ArticleDetailsDraft = { title: "", authors: "", abstract: "", tags: "" };

const splitList = (text: string) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

export function draftOf(details: ArticleDetails): ArticleDetailsDraft {
  return {
    title: details.title,
    authors: details.authors.join(", "),
    abstract: details.abstract,
    tags: details.tags.join(", "),
  };
}

export function detailsOf(draft: ArticleDetailsDraft): ArticleDetails {
  return {
    title: draft.title.trim(),
    abstract: draft.abstract,
    authors: splitList(draft.authors),
    tags: splitList(draft.tags),
  };
}

/** Returns the errors to show before sending: the title must not be empty. */
export function checkDraft(draft: ArticleDetailsDraft): FieldErrors {
  const errors: FieldErrors = {};
  if (draft.title.trim() === "") errors.title = "Enter a title.";
  return errors;
}
