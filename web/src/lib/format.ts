const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

/** Formats Unix milliseconds as a date. */
export function formatDate(unixMilliseconds: number): string {
  return dateFormat.format(new Date(unixMilliseconds));
}

/** Formats Unix milliseconds as a date and time. */
export function formatDateTime(unixMilliseconds: number): string {
  return dateTimeFormat.format(new Date(unixMilliseconds));
}

/**
 * Rewrites the UTC timestamps in a server message ("until 2026-12-05T12:12:07Z") as local
 * dates and times, as formatDateTime writes them.
 */
export function localizeTimestamps(message: string): string {
  return message.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g, (iso) => {
    const time = Date.parse(iso);
    return Number.isNaN(time) ? iso : formatDateTime(time);
  });
}

/** Formats a byte count as B, KB, MB or GB (powers of 1024). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit] ?? "B"}`;
}

/** Returns a person's display name, falling back to the username. */
export function displayName(person: { username: string; name?: string; surname?: string }) {
  const full = [person.name, person.surname].filter((part) => part !== undefined && part !== "");
  return full.length > 0 ? full.join(" ") : person.username;
}

/** Formats a count with its noun in the singular or plural: "1 rating", "2 ratings". */
export function pluralize(count: number, singular: string, plural = `${singular}s`): string {
  return `${String(count)} ${count === 1 ? singular : plural}`;
}

/** Formats a whole number of seconds as hours or minutes: "8 hours", "1 hour", "30 minutes". */
export function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) {
    const hours = seconds / 3600;
    return `${hours} ${hours === 1 ? "hour" : "hours"}`;
  }
  const minutes = Math.max(1, Math.round(seconds / 60));
  return `${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
}
