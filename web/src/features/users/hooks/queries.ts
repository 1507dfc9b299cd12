import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { meQueryKey } from "@/lib/query-keys";
import { useSignedIn } from "@/lib/session";

import { usersApi, type ProfileUpdate } from "../api/users-api";

export const usersKeys = {
  me: meQueryKey,
  user: (id: number) => ["users", id] as const,
  points: (page: number) => ["users", "me", "points", page] as const,
  leaderboard: (page: number) => ["leaderboard", page] as const,
};

/** Fetches the signed-in user's own profile with the points balance. Idle when signed out. */
export function useMe() {
  const signedIn = useSignedIn();
  return useQuery({ queryKey: usersKeys.me, queryFn: usersApi.me, enabled: signedIn });
}

export function useUser(id: number) {
  return useQuery({
    queryKey: usersKeys.user(id),
    queryFn: () => usersApi.user(id),
    enabled: id > 0,
    staleTime: 5 * 60_000,
  });
}

export function usePointsHistory(page: number) {
  return useQuery({
    queryKey: usersKeys.points(page),
    queryFn: () => usersApi.points(page),
    placeholderData: keepPreviousData,
  });
}

export function useLeaderboard(page: number) {
  return useQuery({
    queryKey: usersKeys.leaderboard(page),
    queryFn: () => usersApi.leaderboard(page),
    placeholderData: keepPreviousData,
  });
}

export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (update: ProfileUpdate) => usersApi.updateMe(update),
    onSuccess: (user) => {
      queryClient.setQueryData(usersKeys.me, user);
    },
  });
}
