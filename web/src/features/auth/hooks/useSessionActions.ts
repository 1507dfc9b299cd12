import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

import { storeSession } from "@/lib/api-client";
import { tokenStore } from "@/lib/token-store";

import { authApi } from "../api/auth-api";
import type { SessionResponse } from "../api/types";

/** Starts and ends sessions, and drops cached data that belonged to the previous user. */
export function useSessionActions() {
  const queryClient = useQueryClient();

  const endLocally = useCallback(() => {
    tokenStore.clear();
    queryClient.clear();
  }, [queryClient]);

  const start = useCallback(
    (session: SessionResponse) => {
      queryClient.clear();
      storeSession(session);
    },
    [queryClient],
  );

  /** Signs out this device. The local session ends even when the server cannot be reached. */
  const end = useCallback(async () => {
    try {
      await authApi.logout();
    } catch {
      // The tokens are dropped below either way; an unrevoked token expires on its own.
    }
    endLocally();
  }, [endLocally]);

  /** Revokes every session of the account; keeps this one if the server call fails. */
  const endEverywhere = useCallback(async () => {
    await authApi.logoutAll();
    endLocally();
  }, [endLocally]);

  return { start, end, endEverywhere };
}
