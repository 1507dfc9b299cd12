/** Returns `next` when it is a path on this site, so a link cannot send users elsewhere. */
export function safeRedirect(next: string | null, fallback = "/"): string {
  if (next === null || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) {
    return fallback;
  }
  return next;
}
