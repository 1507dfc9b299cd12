import { describe, expect, it } from "vitest";

import { formatDuration } from "./format";

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
