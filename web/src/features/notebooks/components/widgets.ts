/**
 * Turns the `<openlabs-widget>` elements of a kernel's HTML output into live form controls. The
 * kernel renders each widget as `<openlabs-widget data-id data-kind data-label data-props
 * data-value>`, with the widgets that a composite (array, dictionary, batch, form) contains
 * inside it. A control sends its new value through the WidgetHost.
 */
import { compositeValue, nearestStepIndex } from "./widget-values";
import {
  controlClass,
  type FileUpload,
  fileInput,
  matrixInput,
  numberList,
  numberProp,
  type Props,
  rangeSlider,
  selectableTable,
  type WidgetChange,
} from "./widget-inputs";

export type { WidgetChange } from "./widget-inputs";

/** Callbacks that carry the reader's changes from the controls to the session. */
export interface WidgetHost {
  /** Sends a widget's new JSON value to the kernel. */
  setValue: WidgetChange;
  /** Uploads files as a file widget's value; rejects with a message for the reader. */
  uploadFiles: FileUpload;
}

/** A hydrated widget, with its current value in the page. */
interface WidgetHandle {
  value: () => unknown;
}

interface WidgetSpec {
  id: string;
  kind: string;
  label: string;
  props: Props;
  value: unknown;
}

function parseJson(text: string | null): unknown {
  if (text === null || text === "") {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function optionNames(props: Props): string[] {
  const options = props.options;
  if (Array.isArray(options)) {
    return options.map(String);
  }
  if (options !== null && typeof options === "object") {
    return Object.keys(options);
  }
  return [];
}

function labelled(label: string, control: HTMLElement, extra?: HTMLElement): HTMLElement {
  const wrapper = document.createElement("label");
  wrapper.className = "my-1 inline-flex flex-wrap items-center gap-2 text-sm";
  if (label !== "") {
    const text = document.createElement("span");
    text.textContent = label;
    wrapper.append(text);
  }
  wrapper.append(control);
  if (extra !== undefined) {
    wrapper.append(extra);
  }
  return wrapper;
}

/**
 * A slider. With a `steps` prop the range input moves over the steps' indices, so the value
 * can only be one of the steps.
 */
function slider(id: string, label: string, props: Props, value: unknown, onChange: WidgetChange) {
  const steps = numberList(props.steps);
  const input = document.createElement("input");
  input.type = "range";
  input.dataset.widgetId = id;
  let valueAt = () => Number(input.value);
  const firstStep = steps[0];
  if (firstStep !== undefined) {
    input.min = "0";
    input.max = String(steps.length - 1);
    input.step = "1";
    input.value = String(nearestStepIndex(steps, typeof value === "number" ? value : firstStep));
    valueAt = () => steps[Number(input.value)] ?? firstStep;
  } else {
    input.min = String(numberProp(props, "start", 0));
    input.max = String(numberProp(props, "stop", 100));
    input.step = String(numberProp(props, "step", 1));
    input.value = String(typeof value === "number" ? value : input.min);
  }
  const shown = document.createElement("output");
  const show = () => {
    shown.textContent = String(valueAt());
    input.setAttribute("aria-valuetext", shown.textContent);
  };
  show();
  input.addEventListener("input", show);
  input.addEventListener("change", () => {
    show();
    onChange(id, valueAt());
  });
  return labelled(label, input, shown);
}

function textInput(
  id: string,
  label: string,
  kind: string,
  value: unknown,
  onChange: WidgetChange,
) {
  const input =
    kind === "text" ? document.createElement("input") : document.createElement("textarea");
  input.className = controlClass;
  input.value = typeof value === "string" ? value : "";
  input.dataset.widgetId = id;
  input.addEventListener("change", () => {
    onChange(id, input.value);
  });
  return labelled(label, input);
}

function select(
  id: string,
  label: string,
  props: Props,
  value: unknown,
  multiple: boolean,
  onChange: WidgetChange,
) {
  const input = document.createElement("select");
  input.className = controlClass;
  input.multiple = multiple;
  input.dataset.widgetId = id;
  const selected = new Set(Array.isArray(value) ? value.map(String) : [String(value)]);
  if (!multiple) {
    input.append(new Option("--", "", false, value === null));
  }
  for (const name of optionNames(props)) {
    input.append(new Option(name, name, false, selected.has(name)));
  }
  input.addEventListener("change", () => {
    if (multiple) {
      onChange(
        id,
        Array.from(input.selectedOptions, (option) => option.value),
      );
    } else {
      onChange(id, input.value === "" ? null : input.value);
    }
  });
  return labelled(label, input);
}

function radio(id: string, label: string, props: Props, value: unknown, onChange: WidgetChange) {
  const group = document.createElement("fieldset");
  group.className = "my-1 flex flex-wrap gap-3 text-sm";
  const legend = document.createElement("legend");
  legend.textContent = label;
  group.append(legend);
  for (const name of optionNames(props)) {
    const input = document.createElement("input");
    input.type = "radio";
    input.name = `widget-${id}`;
    input.value = name;
    input.checked = value === name;
    input.addEventListener("change", () => {
      onChange(id, name);
    });
    group.append(labelled(name, input));
  }
  return group;
}

function buildLeaf(
  element: Element,
  spec: WidgetSpec,
  onChange: WidgetChange,
  upload: FileUpload,
): HTMLElement | null {
  const { id, kind, label, props, value } = spec;
  switch (kind) {
    case "slider":
      return slider(id, label, props, value, onChange);
    case "range_slider":
      return rangeSlider(id, label, props, value, onChange);
    case "matrix":
      return matrixInput(id, label, props, value, onChange);
    case "table":
      return selectableTable(element, id, label, props, value, onChange);
    case "file":
      return fileInput(id, label, props, value, upload);
    case "number": {
      const input = document.createElement("input");
      input.type = "number";
      input.className = controlClass;
      input.value = typeof value === "number" ? String(value) : "";
      input.step = String(numberProp(props, "step", 1));
      // The server rejects a number outside start..stop, so the browser marks one as invalid.
      if (typeof props.start === "number") input.min = String(props.start);
      if (typeof props.stop === "number") input.max = String(props.stop);
      input.addEventListener("change", () => {
        // An emptied field, or text that is no number, is "" here and sets the value to None.
        onChange(id, input.value === "" ? null : Number(input.value));
      });
      return labelled(label, input);
    }
    case "text":
    case "text_area":
    case "code_editor":
      return textInput(id, label, kind, value, onChange);
    case "checkbox":
    case "switch": {
      const input = document.createElement("input");
      input.type = "checkbox";
      input.checked = value === true;
      if (kind === "switch") {
        input.setAttribute("role", "switch");
      }
      input.addEventListener("change", () => {
        onChange(id, input.checked);
      });
      return labelled(label, input);
    }
    case "dropdown":
      return select(id, label, props, value, false, onChange);
    case "multiselect":
      return select(id, label, props, value, true, onChange);
    case "radio":
      return radio(id, label, props, value, onChange);
    case "button":
    case "run_button": {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `${controlClass} font-medium`;
      button.textContent = label === "" ? "Run" : label;
      button.addEventListener("click", () => {
        onChange(id, Date.now());
      });
      return button;
    }
    case "date": {
      const input = document.createElement("input");
      input.type = "date";
      input.className = controlClass;
      input.value = typeof value === "string" ? value : "";
      input.addEventListener("change", () => {
        onChange(id, input.value);
      });
      return labelled(label, input);
    }
    default:
      return null;
  }
}

/**
 * Returns the text of the HTML that the kernel renders from a Markdown label. A template's
 * content is inert, so parsing it runs no script and loads nothing.
 */
function plainText(html: string): string {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content.textContent;
}

function readSpec(element: Element): WidgetSpec {
  return {
    id: element.getAttribute("data-id") ?? "",
    kind: element.getAttribute("data-kind") ?? "",
    label: plainText(element.getAttribute("data-label") ?? "").trim(),
    props: (parseJson(element.getAttribute("data-props")) ?? {}) as Props,
    value: parseJson(element.getAttribute("data-value")),
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Returns the widget elements directly inside `element`, not those inside a nested widget. */
function childWidgets(element: Element): Element[] {
  return Array.from(element.querySelectorAll("openlabs-widget")).filter(
    (child) => child.parentElement?.closest("openlabs-widget") === element,
  );
}

function hydrateChildren(element: Element, host: WidgetHost): Map<string, WidgetHandle> {
  const handles = new Map<string, WidgetHandle>();
  for (const child of childWidgets(element)) {
    const handle = hydrate(child, host);
    if (handle !== null) {
      handles.set(child.getAttribute("data-id") ?? "", handle);
    }
  }
  return handles;
}

/**
 * An array, dictionary or batch keeps the kernel's layout. Its children send their own changes,
 * and the kernel updates the parent, so the parent only reports its value to an enclosing form.
 */
function composite(element: Element, spec: WidgetSpec, host: WidgetHost): WidgetHandle {
  const handles = hydrateChildren(element, host);
  const childIds = stringList(spec.props.children);
  const keys = stringList(spec.props.keys);
  return {
    value: () =>
      compositeValue(spec.kind, childIds, keys, (id) => handles.get(id)?.value() ?? null),
  };
}

/**
 * A form keeps its element's changes in the page and sends the element's value only when the
 * reader submits, as marimo does. "Clear" restores the values the form was rendered with.
 */
function form(element: Element, spec: WidgetSpec, host: WidgetHost): WidgetHandle {
  const { id, label, props } = spec;
  const template = element.innerHTML;
  const local: WidgetHost = {
    setValue: () => undefined,
    uploadFiles: () =>
      Promise.reject(
        new Error("A file upload inside a form is not supported; use mo.ui.file outside it."),
      ),
  };
  const shell = document.createElement("form");
  shell.className =
    props.bordered === false
      ? "my-1 space-y-2"
      : "my-1 space-y-2 rounded border border-slate-300 p-3 dark:border-slate-600";
  shell.setAttribute("aria-label", label === "" ? "Form" : label);
  shell.dataset.widgetKind = "form";
  const body = document.createElement("div");
  const buttons = document.createElement("div");
  buttons.className = "flex gap-2";
  shell.append(body, buttons);
  element.replaceChildren(shell);

  let inner: WidgetHandle | undefined;
  const fill = () => {
    body.innerHTML = template;
    inner = hydrateChildren(element, local).values().next().value;
  };
  fill();

  const submit = document.createElement("button");
  submit.type = "submit";
  submit.className = `${controlClass} font-medium`;
  submit.textContent =
    typeof props.submit_button_label === "string" ? props.submit_button_label : "Submit";
  buttons.append(submit);
  if (props.show_clear_button === true) {
    const clear = document.createElement("button");
    clear.type = "button";
    clear.className = controlClass;
    clear.textContent =
      typeof props.clear_button_label === "string" ? props.clear_button_label : "Clear";
    clear.addEventListener("click", fill);
    buttons.append(clear);
  }
  let submitted: unknown = spec.value;
  shell.addEventListener("submit", (event) => {
    event.preventDefault();
    submitted = inner?.value() ?? null;
    host.setValue(id, submitted);
    if (props.clear_on_submit === true) {
      fill();
    }
  });
  return { value: () => submitted };
}

/**
 * Builds a tab list that shows the kernel's `<section data-tab>` of the selected tab and hides
 * the others. The value is the selected tab's name, which goes to the kernel like any widget
 * value, so the cells that read it re-run. Widgets inside the tabs stay live.
 */
function tabs(element: Element, spec: WidgetSpec, host: WidgetHost): WidgetHandle {
  const { id, label, props } = spec;
  const panels = Array.from(element.children).filter(
    (child): child is HTMLElement =>
      child instanceof HTMLElement && child.dataset.tab !== undefined,
  );
  const shell = document.createElement("div");
  shell.dataset.widgetKind = "tabs";
  shell.className = props.orientation === "vertical" ? "my-1 flex gap-3" : "my-1";
  const list = document.createElement("div");
  list.setAttribute("role", "tablist");
  list.setAttribute("aria-label", label === "" ? "Tabs" : label);
  list.setAttribute(
    "aria-orientation",
    props.orientation === "vertical" ? "vertical" : "horizontal",
  );
  list.className =
    props.orientation === "vertical"
      ? "flex flex-col gap-1"
      : "mb-2 flex flex-wrap gap-1 border-b border-slate-300 dark:border-slate-600";
  const buttons = panels.map((panel, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "tab");
    button.id = `widget-${id}-tab-${index}`;
    button.textContent = panel.dataset.tab ?? "";
    panel.id = `widget-${id}-panel-${index}`;
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", button.id);
    button.setAttribute("aria-controls", panel.id);
    return button;
  });
  let current = typeof spec.value === "string" ? spec.value : (panels[0]?.dataset.tab ?? "");
  const show = (name: string) => {
    panels.forEach((panel, index) => {
      const selected = panel.dataset.tab === name;
      panel.hidden = !selected;
      const button = buttons[index];
      if (button !== undefined) {
        button.setAttribute("aria-selected", String(selected));
        button.tabIndex = selected ? 0 : -1;
        button.className = selected
          ? "rounded-t border-b-2 border-blue-600 px-3 py-1 text-sm font-medium text-blue-700 dark:text-blue-300"
          : "rounded-t px-3 py-1 text-sm text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white";
      }
    });
  };
  const select = (index: number) => {
    const name = panels[index]?.dataset.tab;
    if (name === undefined) {
      return;
    }
    show(name);
    buttons[index]?.focus();
    if (name !== current) {
      current = name;
      host.setValue(id, name);
    }
  };
  buttons.forEach((button, index) => {
    button.addEventListener("click", () => {
      select(index);
    });
    // Arrow keys move between tabs, as in the WAI-ARIA tabs pattern.
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
      if (step !== undefined) {
        event.preventDefault();
        select((index + step + buttons.length) % buttons.length);
      }
    });
  });
  list.append(...buttons);
  const body = document.createElement("div");
  body.append(...panels);
  shell.append(list, body);
  element.replaceChildren(shell);
  show(current);
  hydrateChildren(element, host);
  return { value: () => current };
}

/**
 * Gives the inputs of an unlabelled widget in a table cell the text of the row's first cell as
 * their accessible name, as in a table of parameters with the sliders in its second column.
 */
function nameFromTableRow(element: Element, control: HTMLElement) {
  const cell = element.closest("td");
  const first = cell?.parentElement?.firstElementChild;
  if (cell === null || first === null || first === undefined || first === cell) {
    return;
  }
  const name = first.textContent.trim();
  if (name === "") {
    return;
  }
  for (const input of control.querySelectorAll("input, select, textarea, button")) {
    if (!input.hasAttribute("aria-label")) {
      input.setAttribute("aria-label", name);
    }
  }
}

function hydrate(element: Element, host: WidgetHost): WidgetHandle | null {
  const spec = readSpec(element);
  switch (spec.kind) {
    case "array":
    case "dictionary":
    case "batch":
      return composite(element, spec, host);
    case "form":
      return form(element, spec, host);
    case "tabs":
      return tabs(element, spec, host);
  }
  let current = spec.value;
  const onChange: WidgetChange = (widgetId, value) => {
    current = value;
    host.setValue(widgetId, value);
  };
  const control = buildLeaf(element, spec, onChange, host.uploadFiles);
  if (control === null) {
    // A kind without a control (plots) keeps the kernel's HTML; widgets inside it work.
    hydrateChildren(element, host);
    return null;
  }
  control.dataset.widgetKind = spec.kind;
  element.replaceChildren(control);
  if (spec.label === "") {
    nameFromTableRow(element, control);
  }
  // A table keeps the kernel's cells, which may hold widgets of their own.
  hydrateChildren(element, host);
  return { value: () => current };
}

/** Replaces each widget element under `root` with its control. Unknown kinds keep the kernel's HTML. */
export function hydrateWidgets(root: HTMLElement, host: WidgetHost) {
  const outermost = Array.from(root.querySelectorAll("openlabs-widget")).filter(
    (element) => element.parentElement?.closest("openlabs-widget") === null,
  );
  for (const element of outermost) {
    hydrate(element, host);
  }
}
