import { useQuery } from "@tanstack/react-query";

import { api } from "./api-client";

/** The server's public settings from GET /api/v1/config: points and upload limits. */
export interface PlatformConfig {
  points: { initial_points: number };
  submissions: { cost_points: number; max_file_bytes: number; max_files: number };
  reviews: { reward_points: number; required_count: number; claim_lease_seconds: number };
  labs: { max_asset_bytes: number };
  articles: { max_pdf_bytes: number };
}

/** Fetches the settings once per page load, because they change only when the server restarts. */
export function usePlatformConfig() {
  return useQuery({
    queryKey: ["config"],
    queryFn: () => api.get<PlatformConfig>("/config"),
    staleTime: Infinity,
  });
}
