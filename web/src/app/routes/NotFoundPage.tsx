import { Link } from "react-router";

import { useDocumentTitle } from "@/lib/use-document-title";

export function NotFoundPage() {
  useDocumentTitle("Page not found");
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p>This address does not match any page. It may have moved or been deleted.</p>
      <Link to="/" className="underline">
        Go to the home page
      </Link>
    </div>
  );
}
