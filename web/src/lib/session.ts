import { useSyncExternalStore } from "react";

import { tokenStore } from "./token-store";

function isSignedIn(): boolean {
  return tokenStore.get() !== null;
}

/** Returns whether a token pair is stored; re-renders when the user signs in or out. */
export function useSignedIn(): boolean {
  return useSyncExternalStore(tokenStore.subscribe, isSignedIn);
}
