import { api } from "@/lib/api-client";
import type { Page } from "@/lib/types";
import { uploadForm, type UploadProgress } from "@/lib/upload";

export interface Article {
  id: number;
  title: string;
  abstract: string;
  authors: string[];
  tags: string[];
  uploader_id: number;
  page_count: number;
  size: number;
  filename: string;
  created_at: number;
  views: number;
  pdf_url: string;
}

export interface SearchHit {
  type: "lab" | "article";
  id: number;
  title: string;
  /** HTML-escaped text with the matches inside <mark>…</mark>. */
  snippet: string;
  score: number;
}

/** The fields of an article that its uploader and moderators can change. */
export interface ArticleDetails {
  title: string;
  abstract: string;
  authors: string[];
  tags: string[];
}

export interface ArticleInput extends ArticleDetails {
  file: File;
}

export const articlesApi = {
  list: (page: number) => api.get<Page<Article>>("/articles", { page, limit: 12 }),
  search: (q: string, page: number) =>
    api.get<Page<SearchHit>>("/search", { q, type: "article", page, limit: 12 }),
  get: (id: number) => api.get<Article>(`/articles/${id}`),
  upload: (input: ArticleInput, onProgress: (progress: UploadProgress) => void) => {
    const form = new FormData();
    form.append("title", input.title);
    form.append("abstract", input.abstract);
    form.append("authors", JSON.stringify(input.authors));
    form.append("tags", JSON.stringify(input.tags));
    form.append("file", input.file, input.file.name);
    return uploadForm<Article>("/articles", form, { onProgress });
  },
  update: (id: number, details: ArticleDetails) => api.patch<Article>(`/articles/${id}`, details),
  remove: (id: number) => api.delete<unknown>(`/articles/${id}`),
};
