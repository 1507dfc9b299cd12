import { describe, expect, it } from "vitest";

import { splitProgress } from "./upload";

describe("splitProgress", () => {
  it("fills files in order", () => {
    expect(splitProgress(150, [100, 100, 50])).toEqual([100, 50, 0]);
  });

  it("caps at each file's size", () => {
    expect(splitProgress(1000, [100, 200])).toEqual([100, 200]);
  });

  it("starts at zero", () => {
    expect(splitProgress(0, [10, 20])).toEqual([0, 0]);
  });
});
