import { useQuery } from "@tanstack/react-query";

import { recommendationsApi, type ItemType } from "../api/recommendations-api";

export function useRecommendations(limit: number) {
  return useQuery({
    queryKey: ["recommendations", "me", limit],
    queryFn: async () => (await recommendationsApi.forMe(limit)).items,
  });
}

export function useRelated(source: ItemType, id: number, limit: number, type?: ItemType) {
  return useQuery({
    queryKey: ["recommendations", "related", source, id, limit, type],
    queryFn: async () => (await recommendationsApi.related(source, id, limit, type)).items,
  });
}
