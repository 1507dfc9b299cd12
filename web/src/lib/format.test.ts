import { describe, expect, it } from "vitest";

import { formatDateTime, formatDuration, localizeTimestamps, pluralize } from "./format";

describe("formatDuration", () => {
  it("uses hours for whole hours", () => {
    expect(formatDuration(8 * 3600)).toBe("8 hours");
    expect(formatDuration(3600)).toBe("1 hour");
  });

  it("uses minutes otherwise", () => {
    expect(formatDuration(5400)).toBe("90 minutes");
    expect(formatDuration(60)).toBe("1 minute");
    expect(formatDuration(10)).toBe("1 minute");
  });
});

describe("pluralize", () => {
  it("uses the singular for one", () => {
    expect(pluralize(1, "rating")).toBe("1 rating");
  });

  it("uses the plural for zero and many", () => {
    expect(pluralize(0, "submission")).toBe("0 submissions");
    expect(pluralize(12, "submission")).toBe("12 submissions");
  });

  it("takes an irregular plural", () => {
    expect(pluralize(3, "entry", "entries")).toBe("3 entries");
  });
});

describe("localizeTimestamps", () => {
  it("rewrites UTC timestamps as local times", () => {
    const iso = "2026-12-05T12:12:07Z";
    expect(localizeTimestamps(`Claimed until ${iso}.`)).toBe(
      `Claimed until ${formatDateTime(Date.parse(iso))}.`,
    );
  });

  it("leaves other text alone", () => {
    expect(localizeTimestamps("Version 2026-12-05 of the lab.")).toBe(
      "Version 2026-12-05 of the lab.",
    );
  });
});
