import { Link, useNavigate, useSearchParams } from "react-router";

import { SignInForm } from "@/features/auth";
import { useDocumentTitle } from "@/lib/use-document-title";

import { safeRedirect } from "../safe-redirect";

export function SignInPage() {
  useDocumentTitle("Sign in");
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeRedirect(params.get("next"));
  return (
    <div className="mx-auto max-w-sm space-y-6">
      <h1 className="text-2xl font-bold">Sign in</h1>
      {params.get("expired") === "1" && (
        <p
          role="status"
          className="rounded-md bg-amber-100 px-3 py-2 text-sm text-amber-900 dark:bg-amber-900 dark:text-amber-100"
        >
          Your session has expired. Sign in again to continue where you were.
        </p>
      )}
      <SignInForm
        onSignedIn={() => {
          void navigate(next, { replace: true });
        }}
      />
      <p className="text-sm">
        New here?{" "}
        <Link to="/sign-up" className="underline">
          Create an account
        </Link>
      </p>
    </div>
  );
}
