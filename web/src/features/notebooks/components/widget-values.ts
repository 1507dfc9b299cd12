/**
 * Value logic of the notebook widgets, kept apart from the DOM so that it can be unit-tested.
 * Each function returns the JSON value that the kernel accepts for a widget kind (see
 * kernel/PROTOCOL.md).
 */

/** Returns a range slider's value: the `[low, high]` pair, sorted, whichever thumb moved. */
export function rangeValue(first: number, second: number): [number, number] {
  return first <= second ? [first, second] : [second, first];
}

/**
 * Returns the index of the step nearest to `value`, the first of two equally near, as the
 * kernel snaps a slider value to its `steps`. Returns 0 for an empty list.
 */
export function nearestStepIndex(steps: readonly number[], value: number): number {
  let nearest = 0;
  steps.forEach((step, index) => {
    if (Math.abs(step - value) < Math.abs((steps[nearest] ?? step) - value)) {
      nearest = index;
    }
  });
  return nearest;
}

/** Returns a table's value: the selected row indices, sorted and without repeats. */
export function tableSelection(selected: Iterable<number>): number[] {
  return [...new Set(selected)].sort((a, b) => a - b);
}

/** Toggles one row in a selection; a single-selection table keeps only the row clicked. */
export function toggleRow(
  selected: readonly number[],
  row: number,
  checked: boolean,
  single: boolean,
): number[] {
  if (single) {
    return checked ? [row] : [];
  }
  const next = new Set(selected);
  if (checked) {
    next.add(row);
  } else {
    next.delete(row);
  }
  return tableSelection(next);
}

export type Matrix = (number | number[])[];

/**
 * Returns a copy of the matrix with one entry replaced. A 1-D matrix has no column, so `column` is ignored for it.
 * A symmetric matrix gets the same value at the mirrored entry.
 */
export function matrixWithEntry(
  matrix: Matrix,
  row: number,
  column: number,
  value: number,
  symmetric: boolean,
): Matrix {
  const next = matrix.map((entry) => (Array.isArray(entry) ? [...entry] : entry));
  const target = next[row];
  if (!Array.isArray(target)) {
    next[row] = value;
    return next;
  }
  target[column] = value;
  const mirror = next[column];
  if (symmetric && Array.isArray(mirror) && row < mirror.length) {
    mirror[row] = value;
  }
  return next;
}

/**
 * Computes the value of an array, dictionary or batch from its children's values, in the order of the
 * kernel's `children` prop. Dictionaries and batches pair them with the `keys` prop.
 */
export function compositeValue(
  kind: string,
  childIds: readonly string[],
  keys: readonly string[],
  childValue: (id: string) => unknown,
): unknown {
  if (kind === "array") {
    return childIds.map(childValue);
  }
  const value: Record<string, unknown> = {};
  childIds.forEach((id, index) => {
    value[keys[index] ?? id] = childValue(id);
  });
  return value;
}

/**
 * Checks files chosen for a file widget against its `max_size` prop (bytes per file). Returns
 * the problem, or null when they fit. The server checks its own limit on a whole upload.
 */
export function fileSizeProblem(
  files: readonly { name: string; size: number }[],
  maxFileBytes: number | null,
): string | null {
  for (const file of files) {
    if (maxFileBytes !== null && file.size > maxFileBytes) {
      return `${file.name} has ${formatBytes(file.size)}, more than the ${formatBytes(maxFileBytes)} this widget accepts.`;
    }
  }
  return null;
}

/** Formats a byte count in B, KiB or MiB, for messages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KiB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
