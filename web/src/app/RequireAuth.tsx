import { Navigate, Outlet, useLocation } from "react-router";

import { useSignedIn } from "@/lib/session";
import { tokenStore } from "@/lib/token-store";

/** Sends signed-out visitors to the sign-in page, which brings them back afterwards. */
export function RequireAuth() {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    const next = encodeURIComponent(`${location.pathname}${location.search}`);
    // The same address as the expiry redirect of AppLayout, so the two never disagree.
    const expired = tokenStore.expired() ? "expired=1&" : "";
    return <Navigate to={`/sign-in?${expired}next=${next}`} replace />;
  }
  return <Outlet />;
}
