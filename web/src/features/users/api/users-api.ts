import { api } from "@/lib/api-client";
import type { Page } from "@/lib/types";

export interface User {
  id: number;
  username: string;
  email?: string;
  name: string;
  surname: string;
  bio: string;
  role: "user" | "moderator" | "admin";
  /** Present only on the caller's own profile. */
  balance?: number;
  labs_solved: number;
  labs_reviewed: number;
  created_at: number;
  /** Present only on the caller's own profile. */
  mfa_enabled?: boolean;
  /** The average helpfulness rating of the user's reviews, when the server reports it. */
  reputation?: { average_helpfulness: number; ratings_count: number };
}

export interface LedgerEntry {
  id: number;
  amount: number;
  balance_after: number;
  reason: string;
  reference: string;
  created_at: number;
}

export interface LeaderboardEntry {
  rank: number;
  user_id: number;
  username: string;
  name: string;
  surname: string;
  points: number;
  labs_solved: number;
  labs_reviewed: number;
}

export interface ProfileUpdate {
  name?: string;
  surname?: string;
  bio?: string;
}

export const usersApi = {
  me: () => api.get<User>("/users/me"),
  updateMe: (update: ProfileUpdate) => api.patch<User>("/users/me", update),
  user: (id: number) => api.get<User>(`/users/${id}`),
  points: (page: number, limit = 20) =>
    api.get<Page<LedgerEntry>>("/users/me/points", { page, limit }),
  leaderboard: (page: number, limit = 20) =>
    api.get<Page<LeaderboardEntry>>("/leaderboard", { page, limit }),
  setRole: (id: number, role: User["role"]) => api.put<User>(`/users/${id}/role`, { role }),
};
