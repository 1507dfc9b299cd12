import { Link, useNavigate } from "react-router";

import { SignUpForm } from "@/features/auth";
import { useDocumentTitle } from "@/lib/use-document-title";

export function SignUpPage() {
  useDocumentTitle("Sign up");
  const navigate = useNavigate();
  return (
    <div className="mx-auto max-w-md space-y-6">
      <h1 className="text-2xl font-bold">Create an account</h1>
      <SignUpForm
        onSignedUp={() => {
          void navigate("/", { replace: true });
        }}
      />
      <p className="text-sm">
        Already have an account?{" "}
        <Link to="/sign-in" className="underline">
          Sign in
        </Link>
      </p>
    </div>
  );
}
