import { lazy } from "react";
import { createBrowserRouter } from "react-router";

import { AppLayout } from "./layout/AppLayout";
import { RequireAuth } from "./RequireAuth";
import { HomePage } from "./routes/HomePage";
import { NotFoundPage } from "./routes/NotFoundPage";

// Every page but the home page loads on first visit, to keep the first download small.
function page<K extends string>(load: () => Promise<Record<K, React.ComponentType>>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}

const SignInPage = page(() => import("./routes/SignInPage"), "SignInPage");
const SignUpPage = page(() => import("./routes/SignUpPage"), "SignUpPage");
const SettingsPage = page(() => import("./routes/SettingsPage"), "SettingsPage");
const UserPage = page(() => import("./routes/UserPage"), "UserPage");
const LeaderboardPage = page(() => import("./routes/LeaderboardPage"), "LeaderboardPage");

export const router = createBrowserRouter([
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <HomePage /> },
      { path: "sign-in", element: <SignInPage /> },
      { path: "sign-up", element: <SignUpPage /> },
      { path: "leaderboard", element: <LeaderboardPage /> },
      { path: "users/:id", element: <UserPage /> },
      {
        element: <RequireAuth />,
        children: [{ path: "settings", element: <SettingsPage /> }],
      },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
