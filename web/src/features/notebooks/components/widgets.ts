/**
 * Turns the `<openlabs-widget>` elements of a kernel's HTML output into live form controls. The
 * kernel renders each widget as `<openlabs-widget data-id data-kind data-label data-props
 * data-value>`; a control sends its new value through `onChange(widgetId, value)`.
 */

type Props = Record<string, unknown>;
export type WidgetChange = (widgetId: string, value: unknown) => void;

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

function numberProp(props: Props, name: string, fallback: number): number {
  const value = props[name];
  return typeof value === "number" ? value : fallback;
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

const controlClass =
  "rounded border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800";

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

function slider(id: string, label: string, props: Props, value: unknown, onChange: WidgetChange) {
  const input = document.createElement("input");
  input.type = "range";
  input.min = String(numberProp(props, "start", 0));
  input.max = String(numberProp(props, "stop", 100));
  input.step = String(numberProp(props, "step", 1));
  input.value = String(typeof value === "number" ? value : input.min);
  input.dataset.widgetId = id;
  const shown = document.createElement("output");
  shown.textContent = input.value;
  input.addEventListener("input", () => {
    shown.textContent = input.value;
  });
  input.addEventListener("change", () => {
    onChange(id, Number(input.value));
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

function build(element: Element, onChange: WidgetChange): HTMLElement | null {
  const id = element.getAttribute("data-id") ?? "";
  const kind = element.getAttribute("data-kind") ?? "";
  const label = element.getAttribute("data-label") ?? "";
  const props = (parseJson(element.getAttribute("data-props")) ?? {}) as Props;
  const value = parseJson(element.getAttribute("data-value"));
  switch (kind) {
    case "slider":
      return slider(id, label, props, value, onChange);
    case "number": {
      const input = document.createElement("input");
      input.type = "number";
      input.className = controlClass;
      input.value = typeof value === "number" ? String(value) : "";
      input.step = String(numberProp(props, "step", 1));
      input.addEventListener("change", () => {
        onChange(id, Number(input.value));
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

/** Replaces each widget element under `root` with its control. Unknown kinds keep the kernel's HTML. */
export function hydrateWidgets(root: HTMLElement, onChange: WidgetChange) {
  for (const element of Array.from(root.querySelectorAll("openlabs-widget"))) {
    const control = build(element, onChange);
    if (control !== null) {
      control.dataset.widgetKind = element.getAttribute("data-kind") ?? "";
      element.replaceChildren(control);
    }
  }
}
