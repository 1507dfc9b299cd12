import { api } from "@/lib/api-client";
import type { Page } from "@/lib/types";

export type TargetType = "lab" | "article";

export interface Comment {
  id: number;
  target_type: TargetType;
  target_id: number;
  parent_id: number;
  depth: number;
  author_id: number;
  content: string;
  /** A deleted comment with replies stays as a placeholder, without content or author. */
  deleted: boolean;
  edited: boolean;
  created_at: number;
  updated_at: number;
  replies: Comment[];
}

/** Replies nest at most this deep (depth 0 to 7); the server rejects deeper ones. */
export const maxCommentDepth = 7;

const targetPath = (type: TargetType, id: number) => `/${type}s/${id}/comments`;

export const commentsApi = {
  list: (type: TargetType, id: number, page: number) =>
    api.get<Page<Comment>>(targetPath(type, id), { page, limit: 20 }),
  create: (type: TargetType, id: number, content: string, parentId?: number) =>
    api.post<Comment>(targetPath(type, id), { content, parent_id: parentId ?? 0 }),
  update: (id: number, content: string) => api.patch<Comment>(`/comments/${id}`, { content }),
  remove: (id: number) => api.delete<unknown>(`/comments/${id}`),
};
