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
const LabsPage = page(() => import("./routes/LabsPage"), "LabsPage");
const LabPage = page(() => import("./routes/LabPage"), "LabPage");
const NewLabPage = page(() => import("./routes/LabEditorPage"), "NewLabPage");
const EditLabPage = page(() => import("./routes/LabEditorPage"), "EditLabPage");
const SubmitPage = page(() => import("./routes/SubmitPage"), "SubmitPage");
const SubmissionsPage = page(() => import("./routes/SubmissionsPage"), "SubmissionsPage");
const SubmissionPage = page(() => import("./routes/SubmissionPage"), "SubmissionPage");
const ReviewsPage = page(() => import("./routes/ReviewsPage"), "ReviewsPage");
const ReviewPage = page(() => import("./routes/ReviewPage"), "ReviewPage");
const ArticlesPage = page(() => import("./routes/ArticlesPage"), "ArticlesPage");
const ArticlePage = page(() => import("./routes/ArticlePage"), "ArticlePage");
const ArticleUploadPage = page(() => import("./routes/ArticleUploadPage"), "ArticleUploadPage");
const ArticleEditPage = page(() => import("./routes/ArticleEditPage"), "ArticleEditPage");
const ModerationPage = page(() => import("./routes/ModerationPage"), "ModerationPage");
const SearchPage = page(() => import("./routes/SearchPage"), "SearchPage");

export const router = createBrowserRouter([
  {
    element: <AppLayout />,
    children: [
      { index: true, element: <HomePage /> },
      { path: "sign-in", element: <SignInPage /> },
      { path: "sign-up", element: <SignUpPage /> },
      { path: "leaderboard", element: <LeaderboardPage /> },
      { path: "users/:id", element: <UserPage /> },
      { path: "labs", element: <LabsPage /> },
      { path: "labs/:id", element: <LabPage /> },
      { path: "articles", element: <ArticlesPage /> },
      { path: "articles/:id", element: <ArticlePage /> },
      { path: "search", element: <SearchPage /> },
      {
        element: <RequireAuth />,
        children: [
          { path: "settings", element: <SettingsPage /> },
          { path: "labs/new", element: <NewLabPage /> },
          { path: "labs/:id/edit", element: <EditLabPage /> },
          { path: "labs/:id/submit", element: <SubmitPage /> },
          { path: "articles/new", element: <ArticleUploadPage /> },
          { path: "articles/:id/edit", element: <ArticleEditPage /> },
          { path: "submissions", element: <SubmissionsPage /> },
          { path: "submissions/:id", element: <SubmissionPage /> },
          { path: "reviews", element: <ReviewsPage /> },
          { path: "reviews/:id", element: <ReviewPage /> },
          { path: "moderation", element: <ModerationPage /> },
        ],
      },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
]);
