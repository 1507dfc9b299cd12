/** Parses a numeric route parameter; returns 0 (which no record has) when it is not a number. */
export function parseId(value: string | undefined): number {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
}
