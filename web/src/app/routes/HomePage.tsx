import { useSignedIn } from "@/lib/session";

import { DashboardPage } from "./DashboardPage";
import { LandingPage } from "./LandingPage";

/** The landing page for visitors; the dashboard for signed-in users. */
export function HomePage() {
  return useSignedIn() ? <DashboardPage /> : <LandingPage />;
}
