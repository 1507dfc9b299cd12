import { Navigate, Outlet, useLocation } from "react-router";

import { useSignedIn } from "@/lib/session";

/** Sends signed-out visitors to the sign-in page, which brings them back afterwards. */
export function RequireAuth() {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    const next = encodeURIComponent(`${location.pathname}${location.search}`);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return <Outlet />;
}
