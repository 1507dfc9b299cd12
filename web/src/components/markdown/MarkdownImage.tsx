import type { ComponentProps } from "react";

/** Returns the host of `src` when it is an http(s) URL on another site, else null. */
function externalHost(src: string | undefined): string | null {
  if (src === undefined || src === "") return null;
  try {
    const url = new URL(src, window.location.href);
    const web = url.protocol === "http:" || url.protocol === "https:";
    return web && url.origin !== window.location.origin ? url.host : null;
  } catch {
    return null;
  }
}

/**
 * Renders an image in rendered Markdown. The site's Content-Security-Policy allows images from
 * this site only (img-src 'self' data: blob:), so an image hosted elsewhere would show as a
 * broken icon. Such an image becomes a link to the original, named by its alt text.
 */
export function MarkdownImage({ alt, src, ...props }: ComponentProps<"img">) {
  const host = externalHost(typeof src === "string" ? src : undefined);
  if (host !== null && typeof src === "string") {
    const label = alt !== undefined && alt.trim() !== "" ? alt.trim() : "Image";
    return (
      <a
        href={src}
        rel="noopener noreferrer"
        className="rounded border border-dashed border-slate-400 px-1 text-sm dark:border-slate-500"
        data-external-image=""
      >
        <span>{label}</span>{" "}
        <span className="text-slate-600 dark:text-slate-400">(image on {host}, opens there)</span>
      </a>
    );
  }
  return <img alt={alt ?? ""} src={src} loading="lazy" {...props} />;
}
