/**
 * Controls of the widgets whose values are more than one scalar: range sliders, matrices,
 * selectable tables and file uploads. Each returns the element that replaces the kernel's HTML
 * and reports changes through `onChange(widgetId, value)`.
 */
import {
  fileSizeProblem,
  type Matrix,
  matrixWithEntry,
  nearestStepIndex,
  rangeValue,
  toggleRow,
} from "./widget-values";

export type Props = Record<string, unknown>;
export type WidgetChange = (widgetId: string, value: unknown) => void;
export type FileUpload = (widgetId: string, files: File[]) => Promise<void>;

export const controlClass =
  "rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800";

const cellClass = "border border-slate-300 px-2 py-1 dark:border-slate-600";

export function numberProp(props: Props, name: string, fallback: number): number {
  const value = props[name];
  return typeof value === "number" ? value : fallback;
}

/** Returns the numbers of a list prop such as a slider's `steps`, or [] when it is not a list. */
export function numberList(value: unknown): number[] {
  return Array.isArray(value)
    ? value.filter((item): item is number => typeof item === "number")
    : [];
}

/** Creates a `role=group` box with a visible caption, for widgets made of several inputs. */
function group(label: string): HTMLElement {
  const box = document.createElement("div");
  box.setAttribute("role", "group");
  box.className = "my-1 inline-flex flex-wrap items-center gap-2 text-sm";
  if (label !== "") {
    box.setAttribute("aria-label", label);
    const caption = document.createElement("span");
    caption.textContent = label;
    box.append(caption);
  }
  return box;
}

export function rangeSlider(
  id: string,
  label: string,
  props: Props,
  value: unknown,
  onChange: WidgetChange,
): HTMLElement {
  const start = numberProp(props, "start", 0);
  const stop = numberProp(props, "stop", 100);
  // With `steps`, each thumb moves over the steps' indices, as in the slider.
  const steps = numberList(props.steps);
  const initial = Array.isArray(value) && value.length === 2 ? value.map(Number) : [start, stop];
  const box = group(label);
  const thumb = (end: "low" | "high", initialValue: number) => {
    const input = document.createElement("input");
    input.type = "range";
    if (steps.length > 0) {
      input.min = "0";
      input.max = String(steps.length - 1);
      input.step = "1";
      input.value = String(nearestStepIndex(steps, initialValue));
    } else {
      input.min = String(start);
      input.max = String(stop);
      input.step = String(numberProp(props, "step", 1));
      input.value = String(initialValue);
    }
    input.setAttribute("aria-label", `${label === "" ? "range" : label} ${end}`);
    input.dataset.widgetId = id;
    input.dataset.end = end;
    return input;
  };
  const low = thumb("low", initial[0] ?? start);
  const high = thumb("high", initial[1] ?? stop);
  const thumbs = [low, high];
  const shown = document.createElement("output");
  const valueAt = (input: HTMLInputElement) =>
    steps.length > 0 ? (steps[Number(input.value)] ?? start) : Number(input.value);
  const current = () => rangeValue(valueAt(low), valueAt(high));
  const show = () => {
    const [from, to] = current();
    shown.textContent = `${from} – ${to}`;
  };
  show();
  for (const thumb of thumbs) {
    thumb.addEventListener("input", show);
    thumb.addEventListener("change", () => {
      show();
      onChange(id, current());
    });
  }
  box.append(low, high, shown);
  return box;
}

export function matrixInput(
  id: string,
  label: string,
  props: Props,
  value: unknown,
  onChange: WidgetChange,
): HTMLElement {
  let matrix: Matrix = Array.isArray(value) ? (value as Matrix) : [];
  const symmetric = props.symmetric === true;
  const rowLabels = Array.isArray(props.row_labels) ? props.row_labels.map(String) : [];
  const columnLabels = Array.isArray(props.column_labels) ? props.column_labels.map(String) : [];
  const box = group(label);
  const table = document.createElement("table");
  table.className = "border-collapse";
  if (columnLabels.length > 0) {
    const head = table.createTHead().insertRow();
    head.append(document.createElement("th"));
    for (const name of columnLabels) {
      const cell = document.createElement("th");
      cell.className = "px-1 text-xs font-medium";
      cell.textContent = name;
      head.append(cell);
    }
  }
  const body = table.createTBody();
  const inputs: HTMLInputElement[][] = [];
  matrix.forEach((entry, row) => {
    const line = body.insertRow();
    const header = document.createElement("th");
    header.className = "px-1 text-xs font-medium";
    header.textContent = rowLabels[row] ?? "";
    line.append(header);
    const values = Array.isArray(entry) ? entry : [entry];
    inputs.push(
      values.map((number, column) => {
        const input = document.createElement("input");
        input.type = "number";
        input.className = `${controlClass} w-20`;
        input.value = String(number);
        input.step = String(numberProp(props, "step", 1));
        if (typeof props.min_value === "number") input.min = String(props.min_value);
        if (typeof props.max_value === "number") input.max = String(props.max_value);
        input.setAttribute(
          "aria-label",
          `${label === "" ? "matrix" : label} row ${row + 1}` +
            (Array.isArray(entry) ? ` column ${column + 1}` : ""),
        );
        input.disabled = props.disabled === true;
        input.addEventListener("change", () => {
          const number = Number(input.value);
          if (input.value === "" || !Number.isFinite(number) || !input.checkValidity()) {
            input.value = String(readEntry(matrix, row, column));
            return;
          }
          matrix = matrixWithEntry(matrix, row, column, number, symmetric);
          if (symmetric) {
            const mirror = inputs[column]?.[row];
            if (mirror !== undefined) mirror.value = input.value;
          }
          onChange(id, matrix);
        });
        line.insertCell().append(input);
        return input;
      }),
    );
  });
  box.append(table);
  return box;
}

function readEntry(matrix: Matrix, row: number, column: number): number {
  const entry = matrix[row];
  return (Array.isArray(entry) ? entry[column] : entry) ?? 0;
}

/**
 * Adds a selection column and paging to the table that the kernel rendered. Each body row
 * carries its index in `data-row`; the selection goes back as the list of those indices.
 */
export function selectableTable(
  element: Element,
  id: string,
  label: string,
  props: Props,
  value: unknown,
  onChange: WidgetChange,
): HTMLElement | null {
  const table = element.querySelector("table");
  if (table === null) {
    return null;
  }
  const box = document.createElement("div");
  box.className = "my-1 space-y-1 text-sm";
  if (label !== "") {
    const caption = document.createElement("div");
    caption.textContent = label;
    box.append(caption);
  }
  table.className = "border-collapse";
  for (const cell of Array.from(table.querySelectorAll("th, td"))) {
    cell.classList.add(...cellClass.split(" "));
  }
  const rows = Array.from(table.querySelectorAll<HTMLTableRowElement>("tbody tr[data-row]"));
  const selection = typeof props.selection === "string" ? props.selection : null;
  if (selection !== null) {
    addSelectionColumn(table, rows, id, selection.startsWith("single"), value, onChange);
  }
  box.append(table);
  const rowCount = numberProp(props, "row_count", rows.length);
  if (rowCount > rows.length) {
    const note = document.createElement("p");
    note.className = "text-xs text-slate-600 dark:text-slate-400";
    note.textContent = `Showing the first ${rows.length} of ${rowCount} rows.`;
    box.append(note);
  }
  const pageSize = Math.max(1, numberProp(props, "page_size", 10));
  if (props.pagination !== false && rows.length > pageSize) {
    box.append(pager(rows, pageSize));
  }
  return box;
}

function addSelectionColumn(
  table: HTMLTableElement,
  rows: HTMLTableRowElement[],
  id: string,
  single: boolean,
  value: unknown,
  onChange: WidgetChange,
) {
  let selected = Array.isArray(value)
    ? value.filter((n): n is number => typeof n === "number")
    : [];
  const headRow = table.tHead?.rows[0];
  if (headRow !== undefined) {
    const header = document.createElement("th");
    header.className = cellClass;
    header.textContent = "Select";
    headRow.prepend(header);
  }
  for (const row of rows) {
    const index = Number(row.dataset.row);
    const input = document.createElement("input");
    input.type = single ? "radio" : "checkbox";
    input.name = `widget-${id}`;
    input.checked = selected.includes(index);
    input.setAttribute("aria-label", `Select row ${index + 1}`);
    input.dataset.widgetId = id;
    input.addEventListener("change", () => {
      selected = toggleRow(selected, index, input.checked, single);
      onChange(id, selected);
    });
    const cell = document.createElement("td");
    cell.className = cellClass;
    cell.append(input);
    row.prepend(cell);
  }
}

function pager(rows: HTMLTableRowElement[], pageSize: number): HTMLElement {
  const pages = Math.ceil(rows.length / pageSize);
  let page = 0;
  const bar = document.createElement("div");
  bar.className = "flex items-center gap-2";
  const previous = document.createElement("button");
  const next = document.createElement("button");
  const position = document.createElement("span");
  for (const [button, text] of [
    [previous, "Previous page"],
    [next, "Next page"],
  ] as const) {
    button.type = "button";
    button.className = controlClass;
    button.textContent = text;
  }
  const show = () => {
    rows.forEach((row, index) => {
      row.hidden = Math.floor(index / pageSize) !== page;
    });
    const first = page * pageSize + 1;
    const last = Math.min(rows.length, first + pageSize - 1);
    position.textContent = `Rows ${first}–${last} of ${rows.length}`;
    previous.disabled = page === 0;
    next.disabled = page === pages - 1;
  };
  previous.addEventListener("click", () => {
    page = Math.max(0, page - 1);
    show();
  });
  next.addEventListener("click", () => {
    page = Math.min(pages - 1, page + 1);
    show();
  });
  show();
  bar.append(previous, position, next);
  return bar;
}

/**
 * Creates a file picker that uploads the chosen files at once. The upload sets the widget's
 * value in the kernel to their names and contents.
 */
export function fileInput(
  id: string,
  label: string,
  props: Props,
  value: unknown,
  upload: FileUpload,
): HTMLElement {
  const box = group(label);
  const input = document.createElement("input");
  input.type = "file";
  input.className = "text-sm";
  input.multiple = props.multiple === true;
  input.dataset.widgetId = id;
  input.setAttribute("aria-label", label === "" ? "Upload a file" : label);
  if (Array.isArray(props.filetypes)) {
    input.accept = props.filetypes.map(String).join(",");
  }
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.className = "text-slate-700 dark:text-slate-300";
  const problem = document.createElement("span");
  problem.setAttribute("role", "alert");
  problem.className = "text-red-700 dark:text-red-300";
  const names = Array.isArray(value) ? value.map(String) : [];
  status.textContent = names.length > 0 ? `Uploaded: ${names.join(", ")}` : "";
  input.addEventListener("change", () => {
    const files = Array.from(input.files ?? []);
    if (files.length === 0) {
      return;
    }
    const maxSize = typeof props.max_size === "number" ? props.max_size : null;
    const tooLarge = fileSizeProblem(files, maxSize);
    problem.textContent = tooLarge ?? "";
    if (tooLarge !== null) {
      return;
    }
    // A failed upload leaves the kernel's value as it was, so the status goes back to it.
    const previous = status.textContent;
    status.textContent = "Uploading…";
    upload(id, files)
      .then(() => {
        status.textContent = `Uploaded: ${files.map((file) => file.name).join(", ")}`;
      })
      .catch((failure: unknown) => {
        status.textContent = previous;
        problem.textContent =
          failure instanceof Error ? failure.message : "The upload failed; try again.";
      });
  });
  box.append(input, status, problem);
  return box;
}
