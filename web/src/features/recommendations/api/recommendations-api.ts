import { api } from "@/lib/api-client";

export type ItemType = "lab" | "article";

/** Why an item was ranked: the signals that contributed most, largest first. */
export type RecommendationReason = "co_occurrence" | "content" | "popular";

export interface RecommendedItem {
  type: ItemType;
  id: number;
  title: string;
  summary: string;
  tags: string[];
  score: number;
  reasons: RecommendationReason[];
}

interface RecommendationsBody {
  items: RecommendedItem[];
}

export const recommendationsApi = {
  forMe: (limit: number, type?: ItemType) =>
    api.get<RecommendationsBody>("/recommendations", { limit, type }),
  related: (source: ItemType, id: number, limit: number, type?: ItemType) =>
    api.get<RecommendationsBody>(`/${source}s/${id}/related`, { limit, type }),
};
