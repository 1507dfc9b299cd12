import { Suspense, useEffect } from "react";
import { Outlet, useLocation, useNavigate } from "react-router";

import { Loading } from "@/components/ui/Loading";
import { onSessionExpired } from "@/lib/api-client";

import { Header } from "./Header";

/** Sends the user to sign in when the session ends, and back to this page afterwards. */
function useSessionExpiryRedirect() {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(
    () =>
      onSessionExpired(() => {
        const next = encodeURIComponent(`${location.pathname}${location.search}`);
        void navigate(`/sign-in?expired=1&next=${next}`);
      }),
    [navigate, location],
  );
}

export function AppLayout() {
  useSessionExpiryRedirect();
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900"
      >
        Skip to content
      </a>
      <Header />
      <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="border-t border-slate-200 py-4 text-center text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400">
        Open Labs Share: publish labs, solve them, review each other's work.
      </footer>
    </div>
  );
}
