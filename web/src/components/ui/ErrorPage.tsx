import { loadErrorHeading } from "@/lib/api-error";

import { ErrorMessage } from "./ErrorMessage";

interface ErrorPageProps {
  /** The page's <h1>, which screen readers and the document outline start from. */
  heading: string;
  error: unknown;
  title?: string;
}

/** A page that could not be shown: a heading, then the error in words. */
export function ErrorPage({ heading, error, title }: ErrorPageProps) {
  return (
    <div className="space-y-3">
      <h1 className="text-2xl font-bold">{heading}</h1>
      <ErrorMessage error={error} title={title} />
    </div>
  );
}

/** The page shown when its `thing` ("lab", "article") failed to load with `error`. */
export function LoadErrorPage({ thing, error }: { thing: string; error: unknown }) {
  const name = thing.charAt(0).toUpperCase() + thing.slice(1);
  return (
    <ErrorPage
      heading={loadErrorHeading(name, error)}
      error={error}
      title={`This ${thing} could not be loaded.`}
    />
  );
}
