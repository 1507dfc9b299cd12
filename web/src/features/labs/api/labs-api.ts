import { api } from "@/lib/api-client";
import type { Page } from "@/lib/types";
import { uploadForm, type UploadProgress } from "@/lib/upload";

export interface LabAsset {
  id: string;
  lab_id: number;
  /** The relative path that the lab's Markdown links to. */
  path: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: number;
  url: string;
}

export interface Lab {
  id: number;
  title: string;
  description: string;
  /** Empty in list responses. */
  body: string;
  tags: string[];
  author_id: number;
  status: "published" | "archived";
  created_at: number;
  updated_at: number;
  views: number;
  submission_count: number;
  /** Empty in list responses. */
  assets: LabAsset[];
  /** Set only by GET /labs/{id}, and left out there when the server could not read it. */
  grading?: LabGrading;
}

/** The grading setup of a lab, so that pages request only what exists. */
export interface LabGrading {
  has_grader: boolean;
  /** A grader is or was attached, so the lab's submissions may have test results. */
  had_grader: boolean;
  /** A rubric is saved, enabled or not. */
  has_rubric: boolean;
  /** The lab has a rubric and the server a language model, so submissions may have drafts. */
  has_drafts: boolean;
}

export interface Tag {
  name: string;
  count: number;
}

export interface LabListParams {
  page: number;
  limit?: number;
  q?: string;
  tags?: string[];
  sort?: "new" | "popular";
  author?: number;
}

export interface LabInput {
  title: string;
  description: string;
  body: string;
  tags: string[];
}

export const labsApi = {
  list: (params: LabListParams) =>
    api.get<Page<Lab>>("/labs", {
      page: params.page,
      limit: params.limit ?? 12,
      q: params.q,
      tags: params.tags !== undefined && params.tags.length > 0 ? params.tags.join(",") : undefined,
      sort: params.sort,
      author: params.author,
    }),
  get: (id: number) => api.get<Lab>(`/labs/${id}`),
  /** Reads a lab without counting a view, for pages that show only its title. */
  getUncounted: (id: number) => api.get<Lab>(`/labs/${id}`, { count_view: "false" }),
  create: (input: LabInput) => api.post<Lab>("/labs", input),
  update: (id: number, input: Partial<LabInput>) => api.patch<Lab>(`/labs/${id}`, input),
  remove: (id: number) => api.delete<{ archived?: boolean } | undefined>(`/labs/${id}`),
  tags: () => api.get<{ items: Tag[] }>("/tags", { limit: 200 }),
  uploadAssets: (labId: number, files: File[], onProgress: (progress: UploadProgress) => void) => {
    const form = new FormData();
    for (const file of files) {
      form.append("files[]", file, file.name);
    }
    return uploadForm<{ items: LabAsset[] }>(`/labs/${labId}/assets`, form, { onProgress });
  },
  deleteAsset: (labId: number, assetId: string) =>
    api.delete<undefined>(`/labs/${labId}/assets/${assetId}`),
};
