import { describe, expect, it } from "vitest";

import {
  compositeValue,
  fileSizeProblem,
  formatBytes,
  matrixWithEntry,
  nearestStepIndex,
  rangeValue,
  tableSelection,
  toggleRow,
} from "./widget-values";

describe("rangeValue", () => {
  it("keeps an ordered pair", () => {
    expect(rangeValue(2, 8)).toEqual([2, 8]);
  });
  it("orders crossed thumbs", () => {
    expect(rangeValue(9, 3)).toEqual([3, 9]);
  });
});

describe("nearestStepIndex", () => {
  it("finds an exact step", () => {
    expect(nearestStepIndex([1, 2, 5, 10], 5)).toBe(2);
  });
  it("snaps between steps to the nearer one", () => {
    expect(nearestStepIndex([1, 2, 5, 10], 7)).toBe(2);
    expect(nearestStepIndex([1, 2, 5, 10], 8)).toBe(3);
  });
  it("takes the first of two equally near steps", () => {
    expect(nearestStepIndex([0, 10], 5)).toBe(0);
  });
  it("clamps beyond the ends", () => {
    expect(nearestStepIndex([0.5, 1.5], -4)).toBe(0);
    expect(nearestStepIndex([0.5, 1.5], 40)).toBe(1);
  });
  it("returns 0 for no steps", () => {
    expect(nearestStepIndex([], 3)).toBe(0);
  });
});

describe("table selection", () => {
  it("sorts and removes repeats", () => {
    expect(tableSelection([3, 1, 3])).toEqual([1, 3]);
  });
  it("adds and removes rows in multi selection", () => {
    expect(toggleRow([0, 4], 2, true, false)).toEqual([0, 2, 4]);
    expect(toggleRow([0, 2, 4], 0, false, false)).toEqual([2, 4]);
  });
  it("keeps one row in single selection", () => {
    expect(toggleRow([1], 5, true, true)).toEqual([5]);
    expect(toggleRow([5], 5, false, true)).toEqual([]);
  });
});

describe("matrixWithEntry", () => {
  it("replaces one entry without changing the input", () => {
    const matrix = [
      [1, 0],
      [0, 1],
    ];
    expect(matrixWithEntry(matrix, 0, 1, 7, false)).toEqual([
      [1, 7],
      [0, 1],
    ]);
    expect(matrix[0]).toEqual([1, 0]);
  });
  it("mirrors the entry of a symmetric matrix", () => {
    expect(
      matrixWithEntry(
        [
          [1, 0],
          [0, 1],
        ],
        1,
        0,
        5,
        true,
      ),
    ).toEqual([
      [1, 5],
      [5, 1],
    ]);
  });
  it("replaces an entry of a 1-D matrix", () => {
    expect(matrixWithEntry([1, 2, 3], 2, 0, 9, false)).toEqual([1, 2, 9]);
  });
});

describe("compositeValue", () => {
  const values: Record<string, unknown> = { a: 1, b: "text" };
  it("lists an array's child values in order", () => {
    expect(compositeValue("array", ["b", "a"], [], (id) => values[id])).toEqual(["text", 1]);
  });
  it("maps a dictionary's children to their keys", () => {
    expect(compositeValue("batch", ["a", "b"], ["x", "name"], (id) => values[id])).toEqual({
      x: 1,
      name: "text",
    });
  });
});

describe("fileSizeProblem", () => {
  it("accepts files within the widget's max_size", () => {
    expect(fileSizeProblem([{ name: "a.csv", size: 10 }], 10)).toBeNull();
    expect(fileSizeProblem([{ name: "a.csv", size: 10 }], null)).toBeNull();
  });
  it("names the file over max_size", () => {
    expect(fileSizeProblem([{ name: "big.bin", size: 2048 }], 1024)).toBe(
      "big.bin has 2.0 KiB, more than the 1.0 KiB this widget accepts.",
    );
  });
  it("formats bytes", () => {
    expect(formatBytes(12)).toBe("12 B");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MiB");
  });
});
