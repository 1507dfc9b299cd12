"""`mo.ui`: interactive widgets with a `.value`.

Each widget renders as an `<openlabs-widget>` tag with a JSON description, and is registered
under an id that the client uses to send new values (see kernel/PROTOCOL.md). When a value
arrives, the kernel re-runs every cell that reads the global the widget is bound to.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _datetime
import html
import json
from typing import Any, Callable

from marimo import _context, _markdown
from marimo._html import Html, as_html
from marimo._runtime_errors import not_supported


def _jsonable(value: Any) -> Any:
    if isinstance(value, (_datetime.date, _datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class UIElement(Html):
    """Base class of every widget."""

    _kind = "element"

    def __init__(self, value: Any, *, label: str = "", on_change: Callable | None = None,
                 props: dict[str, Any] | None = None) -> None:
        super().__init__("")
        self._value = value
        self._label = label or ""
        self._on_change = on_change
        self._props = {key: _jsonable(item) for key, item in (props or {}).items()}
        self._parent: UIElement | None = None
        self._id = _context.RUNTIME.register(self)

    @property
    def value(self) -> Any:
        """The widget's current value."""
        return self._value

    @property
    def text(self) -> str:
        return self._render()

    def _children(self) -> list["UIElement"]:
        return []

    def _inner_html(self) -> str:
        return ""

    def _render(self) -> str:
        label = _markdown.render_inline(self._label) if self._label else ""
        attributes = {
            "data-id": self._id,
            "data-kind": self._kind,
            "data-label": label,
            "data-props": json.dumps(self._props, default=str),
            "data-value": json.dumps(self._to_json(), default=str),
        }
        text = " ".join(f'{key}="{html.escape(str(item), quote=True)}"'
                        for key, item in attributes.items())
        return f"<openlabs-widget {text}>{self._inner_html()}</openlabs-widget>"

    def _describe(self) -> dict[str, Any]:
        description = {
            "id": self._id,
            "kind": self._kind,
            "label": self._label,
            "props": self._props,
            "value": self._to_json(),
        }
        children = self._children()
        if children:
            description["children"] = [child._describe() for child in children]
        return description

    def _to_json(self) -> Any:
        return _jsonable(self._value)

    def _from_json(self, value: Any) -> Any:
        return value

    def _receive(self, value: Any) -> "UIElement | None":
        """Apply a value from the client; return the element whose readers must re-run."""
        self._value = self._from_json(value)
        self._notify()
        if self._parent is not None:
            return self._parent._child_changed(self)
        return self

    def _child_changed(self, child: "UIElement") -> "UIElement | None":
        self._notify()
        if self._parent is not None:
            return self._parent._child_changed(self)
        return self

    def _notify(self) -> None:
        if self._on_change is not None:
            self._on_change(self.value)

    def form(self, **options: Any) -> "form":
        """Wrap this element in a form whose value is sent only on submit."""
        return form(self, **options)

    def __repr__(self) -> str:
        return f"mo.ui.{self._kind}(value={self.value!r})"


def _number(value: Any) -> Any:
    """Convert a number from the page (a JSON number or a numeric string).

    Raises ValueError for anything else, booleans included.
    """
    if isinstance(value, str):
        value = float(value)
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, not {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _steps_list(steps: Any, widget: str) -> list[Any] | None:
    """Convert a slider's `steps` argument to a list of numbers, or None when it is None."""
    if steps is None:
        return None
    numbers = [_number(item) for item in steps]
    if not numbers:
        raise ValueError(f"mo.ui.{widget} steps must not be empty")
    return numbers


def _snap(steps: list[Any], number: Any) -> Any:
    """Return the step nearest to `number`, the first of two equally near."""
    return min(steps, key=lambda item: abs(item - number))


class slider(UIElement):
    """A numeric slider; `.value` is a number."""

    _kind = "slider"

    def __init__(self, start: float | None = None, stop: float | None = None,
                 step: float | None = None, value: float | None = None, debounce: bool = False,
                 disabled: bool = False, orientation: str = "horizontal", show_value: bool = False,
                 include_input: bool = False, steps: list[float] | None = None, *,
                 label: str = "", on_change: Callable | None = None,
                 full_width: bool = False) -> None:
        self._steps = _steps_list(steps, "slider")
        if self._steps is not None:
            start, stop = min(self._steps), max(self._steps)
        if start is None or stop is None:
            raise ValueError("mo.ui.slider needs start and stop, or steps")
        if value is None:
            value = self._steps[0] if self._steps else start
        elif self._steps:
            value = _snap(self._steps, _number(value))
        super().__init__(value, label=label, on_change=on_change, props={
            "start": start, "stop": stop, "step": step, "steps": self._steps,
            "disabled": disabled, "orientation": orientation, "show_value": show_value,
            "debounce": debounce, "include_input": include_input, "full_width": full_width})

    def _from_json(self, value: Any) -> Any:
        number = _number(value)
        return _snap(self._steps, number) if self._steps else number


class range_slider(UIElement):
    """A slider selecting a range; `.value` is `[low, high]`."""

    _kind = "range_slider"

    def __init__(self, start: float | None = None, stop: float | None = None,
                 step: float | None = None, value: list[float] | None = None,
                 debounce: bool = False, disabled: bool = False, orientation: str = "horizontal",
                 show_value: bool = False, steps: list[float] | None = None, *, label: str = "",
                 on_change: Callable | None = None, full_width: bool = False) -> None:
        self._steps = _steps_list(steps, "range_slider")
        if self._steps is not None:
            start, stop = min(self._steps), max(self._steps)
        if start is None or stop is None:
            raise ValueError("mo.ui.range_slider needs start and stop, or steps")
        value = list(value) if value is not None else [start, stop]
        if self._steps:
            value = [_snap(self._steps, _number(item)) for item in value]
        super().__init__(value, label=label, on_change=on_change, props={
            "start": start, "stop": stop, "step": step, "steps": self._steps,
            "disabled": disabled, "orientation": orientation, "show_value": show_value,
            "debounce": debounce, "full_width": full_width})

    @classmethod
    def from_series(cls, series: Any, **options: Any) -> "range_slider":
        """Make a range slider spanning a pandas Series' minimum to maximum."""
        start, stop = _number(series.min().item() if hasattr(series.min(), "item")
                              else series.min()), _number(
            series.max().item() if hasattr(series.max(), "item") else series.max())
        options.setdefault("label", str(getattr(series, "name", "") or ""))
        return cls(start=start, stop=stop, **options)

    def _from_json(self, value: Any) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ValueError("a range_slider value must be a [low, high] pair")
        low, high = sorted(_number(item) for item in value)
        if self._steps:
            low, high = _snap(self._steps, low), _snap(self._steps, high)
        return [low, high]


class number(UIElement):
    """A number field; `.value` is a number or None."""

    _kind = "number"

    def __init__(self, start: float | None = None, stop: float | None = None,
                 step: float | None = None, value: float | None = None, debounce: bool = False,
                 disabled: bool = False, *, label: str = "", on_change: Callable | None = None,
                 full_width: bool = False) -> None:
        if value is None:
            value = start if start is not None else 0
        super().__init__(value, label=label, on_change=on_change, props={
            "start": start, "stop": stop, "step": step, "debounce": debounce,
            "disabled": disabled, "full_width": full_width})

    def _from_json(self, value: Any) -> Any:
        return None if value is None or value == "" else _number(value)


class text(UIElement):
    """A one-line text field; `.value` is a str."""

    _kind = "text"

    def __init__(self, value: str = "", placeholder: str = "", kind: str = "text",
                 max_length: int | None = None, disabled: bool = False, debounce: bool = True, *,
                 label: str = "", on_change: Callable | None = None,
                 full_width: bool = False) -> None:
        super().__init__(value, label=label, on_change=on_change, props={
            "placeholder": placeholder, "kind": kind, "max_length": max_length,
            "disabled": disabled, "debounce": debounce, "full_width": full_width})

    def _from_json(self, value: Any) -> Any:
        return "" if value is None else str(value)


class text_area(text):
    """A multi-line text field; `.value` is a str."""

    _kind = "text_area"

    def __init__(self, value: str = "", placeholder: str = "", max_length: int | None = None,
                 disabled: bool = False, debounce: bool = True, rows: int | None = None, *,
                 label: str = "", on_change: Callable | None = None,
                 full_width: bool = False) -> None:
        super().__init__(value, placeholder, "text", max_length, disabled, debounce, label=label,
                         on_change=on_change, full_width=full_width)
        self._props["rows"] = rows


class code_editor(text):
    """A code editor; `.value` is the code as a str."""

    _kind = "code_editor"

    def __init__(self, value: str = "", language: str = "python", placeholder: str = "",
                 theme: str | None = None, disabled: bool = False, min_height: int | None = None,
                 max_height: int | None = None, show_copy_button: bool = True,
                 debounce: bool = False, *, label: str = "",
                 on_change: Callable | None = None) -> None:
        super().__init__(value, placeholder, "text", None, disabled, debounce, label=label,
                         on_change=on_change)
        self._props.update({"language": language, "theme": theme, "min_height": min_height,
                            "max_height": max_height})


class checkbox(UIElement):
    """A checkbox; `.value` is a bool."""

    _kind = "checkbox"

    def __init__(self, value: bool = False, *, label: str = "", disabled: bool = False,
                 on_change: Callable | None = None) -> None:
        super().__init__(bool(value), label=label, on_change=on_change,
                         props={"disabled": disabled})

    def _from_json(self, value: Any) -> Any:
        return bool(value)


class switch(checkbox):
    """A toggle switch; `.value` is a bool."""

    _kind = "switch"


def _options(options: Any) -> dict[str, Any]:
    if isinstance(options, dict):
        return {str(key): item for key, item in options.items()}
    return {str(item): item for item in list(options)}


class _Choice(UIElement):
    def __init__(self, options: Any, selected: Any, *, label: str, on_change: Callable | None,
                 props: dict[str, Any]) -> None:
        self._options = _options(options)
        self._selected = selected
        props = {"options": list(self._options), **props}
        super().__init__(self._lookup(selected), label=label, on_change=on_change, props=props)

    def _lookup(self, selected: Any) -> Any:
        if selected is None:
            return None
        key = str(selected)
        if key not in self._options:
            raise ValueError(f"{key!r} is not one of the options {list(self._options)!r}")
        return self._options[key]

    def _to_json(self) -> Any:
        return self._selected

    def _from_json(self, value: Any) -> Any:
        self._selected = value
        return self._lookup(value)


class dropdown(_Choice):
    """A dropdown menu; `.value` is the selected option's value, or None."""

    _kind = "dropdown"

    def __init__(self, options: Any, value: str | None = None,
                 allow_select_none: bool | None = None, searchable: bool = False, *,
                 label: str = "", on_change: Callable | None = None,
                 full_width: bool = False) -> None:
        super().__init__(options, value, label=label, on_change=on_change, props={
            "allow_select_none": allow_select_none, "searchable": searchable,
            "full_width": full_width})


class radio(_Choice):
    """Radio buttons; `.value` is the selected option's value, or None."""

    _kind = "radio"

    def __init__(self, options: Any, value: str | None = None, inline: bool = False, *,
                 label: str = "", on_change: Callable | None = None,
                 disabled: bool = False) -> None:
        super().__init__(options, value, label=label, on_change=on_change,
                         props={"inline": inline, "disabled": disabled})


class multiselect(_Choice):
    """A multiple choice; `.value` is the list of the selected options' values."""

    _kind = "multiselect"

    def __init__(self, options: Any, value: list[str] | None = None, *, label: str = "",
                 on_change: Callable | None = None, full_width: bool = False,
                 max_selections: int | None = None) -> None:
        super().__init__(options, list(value or []), label=label, on_change=on_change,
                         props={"full_width": full_width, "max_selections": max_selections})

    def _lookup(self, selected: Any) -> Any:
        return [super(multiselect, self)._lookup(key) for key in selected or []]


class button(UIElement):
    """A button; a click sets `.value` to `on_click(value)` and re-runs its readers."""

    _kind = "button"

    def __init__(self, on_click: Callable | None = None, value: Any = None, kind: str = "neutral",
                 disabled: bool = False, tooltip: str | None = None, *,
                 label: str = "click here", on_change: Callable | None = None,
                 keyboard_shortcut: str | None = None, full_width: bool = False) -> None:
        self._on_click = on_click
        super().__init__(value, label=label, on_change=on_change, props={
            "kind": kind, "disabled": disabled, "tooltip": tooltip,
            "keyboard_shortcut": keyboard_shortcut, "full_width": full_width})

    def _from_json(self, value: Any) -> Any:
        if self._on_click is not None:
            return self._on_click(self._value)
        return self._value


class run_button(UIElement):
    """A button whose `.value` is True during the run its click triggers, else False."""

    _kind = "run_button"

    def __init__(self, kind: str = "neutral", disabled: bool = False, tooltip: str | None = None,
                 *, label: str = "click to run", on_change: Callable | None = None,
                 keyboard_shortcut: str | None = None, full_width: bool = False) -> None:
        super().__init__(False, label=label, on_change=on_change, props={
            "kind": kind, "disabled": disabled, "tooltip": tooltip,
            "keyboard_shortcut": keyboard_shortcut, "full_width": full_width})

    def _from_json(self, value: Any) -> Any:
        return True

    def _after_run(self) -> None:
        self._value = False


def _parse_date(value: Any) -> _datetime.date | None:
    if value is None or isinstance(value, _datetime.date):
        return value
    return _datetime.date.fromisoformat(str(value)[:10])


class date(UIElement):
    """A date picker; `.value` is a `datetime.date`."""

    _kind = "date"

    def __init__(self, start: Any = None, stop: Any = None, value: Any = None, *,
                 label: str = "", on_change: Callable | None = None, full_width: bool = False,
                 disabled: bool = False) -> None:
        start, stop = _parse_date(start), _parse_date(stop)
        initial = _parse_date(value) or start or _datetime.date.today()
        super().__init__(initial, label=label, on_change=on_change, props={
            "start": start, "stop": stop, "full_width": full_width, "disabled": disabled})

    def _from_json(self, value: Any) -> Any:
        return _parse_date(value)


class datetime(UIElement):
    """A date and time picker; `.value` is a `datetime.datetime` or None."""

    _kind = "datetime"

    def __init__(self, start: Any = None, stop: Any = None, value: Any = None, *,
                 precision: str = "minute", label: str = "", on_change: Callable | None = None,
                 full_width: bool = False, disabled: bool = False) -> None:
        super().__init__(self._parse(value), label=label, on_change=on_change, props={
            "start": start, "stop": stop, "precision": precision, "disabled": disabled})

    @staticmethod
    def _parse(value: Any) -> Any:
        if value is None or isinstance(value, _datetime.datetime):
            return value
        return _datetime.datetime.fromisoformat(str(value))

    def _from_json(self, value: Any) -> Any:
        return self._parse(value)


class date_range(UIElement):
    """A date range picker; `.value` is a `(start, stop)` pair of dates."""

    _kind = "date_range"

    def __init__(self, start: Any = None, stop: Any = None, value: Any = None, *,
                 label: str = "", on_change: Callable | None = None, full_width: bool = False,
                 disabled: bool = False) -> None:
        start, stop = _parse_date(start), _parse_date(stop)
        today = _datetime.date.today()
        initial = tuple(_parse_date(v) for v in value) if value else (start or today, stop or today)
        super().__init__(initial, label=label, on_change=on_change, props={
            "start": start, "stop": stop, "disabled": disabled})

    def _from_json(self, value: Any) -> Any:
        return tuple(_parse_date(item) for item in value)


class matrix(UIElement):
    """An editable matrix of numbers; `.value` is a nested list."""

    _kind = "matrix"

    def __init__(self, value: Any, *, min_value: float | None = None,
                 max_value: float | None = None, step: float = 1.0, symmetric: bool = False,
                 precision: int | None = None, row_labels: list[str] | None = None,
                 column_labels: list[str] | None = None, debounce: bool = False,
                 scientific: bool = False, label: str = "", on_change: Callable | None = None,
                 disabled: bool = False) -> None:
        rows = value.tolist() if hasattr(value, "tolist") else [list(row) if isinstance(
            row, (list, tuple)) else row for row in value]
        super().__init__(rows, label=label, on_change=on_change, props={
            "min_value": min_value, "max_value": max_value, "step": step,
            "symmetric": symmetric, "precision": precision, "row_labels": row_labels,
            "column_labels": column_labels, "debounce": debounce, "disabled": disabled,
            "scientific": scientific})

    def _from_json(self, value: Any) -> Any:
        """Check that `value` has the matrix's shape and convert its entries to numbers."""
        current = self._value
        if not isinstance(value, list) or len(value) != len(current):
            raise ValueError(f"a matrix value must be a list of {len(current)} rows")
        rows = []
        for row, old_row in zip(value, current):
            if isinstance(old_row, list):
                if not isinstance(row, list) or len(row) != len(old_row):
                    raise ValueError(f"each matrix row must be a list of {len(old_row)} numbers")
                rows.append([self._entry(item) for item in row])
            else:
                rows.append(self._entry(row))
        return rows

    def _entry(self, item: Any) -> Any:
        number = _number(item)
        low, high = self._props["min_value"], self._props["max_value"]
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"the matrix entry {number} is outside [{low}, {high}]")
        return number


@dataclasses.dataclass
class FileUploadResults:
    """One uploaded file."""

    name: str
    contents: bytes


class file(UIElement):
    """A file upload; `.value` is a list of uploaded files (empty until the learner uploads)."""

    _kind = "file"

    def __init__(self, filetypes: list[str] | None = None, multiple: bool = False,
                 kind: str = "button", *, max_size: int = 100_000_000, label: str = "",
                 on_change: Callable | None = None) -> None:
        super().__init__([], label=label, on_change=on_change, props={
            "filetypes": filetypes, "multiple": multiple, "kind": kind, "max_size": max_size})

    def _to_json(self) -> Any:
        return [item.name for item in self._value]

    def _from_json(self, value: Any) -> Any:
        """Read the files of a `[{"name", "contents" | "path"}, ...]` value.

        `contents` is base64. `path` names a file the server staged for the kernel, which is
        read here, because the server deletes it once this request is done.
        """
        if not isinstance(value, list):
            raise ValueError('a file value must be a list of {"name", "contents"} objects')
        if len(value) > 1 and not self._props["multiple"]:
            raise ValueError("this file widget takes one file; create it with multiple=True")
        files = []
        for item in value:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise ValueError('each uploaded file must be an object with a "name"')
            if isinstance(item.get("path"), str):
                with open(item["path"], "rb") as staged:
                    contents = staged.read()
            elif isinstance(item.get("contents"), str):
                contents = base64.b64decode(item["contents"], validate=True)
            else:
                raise ValueError('each uploaded file needs "contents" (base64) or a "path"')
            files.append(FileUploadResults(item["name"], contents))
        return files

    def name(self, index: int = 0) -> str | None:
        """Return the name of the uploaded file at `index`, or None."""
        return self._value[index].name if index < len(self._value) else None

    def contents(self, index: int = 0) -> bytes | None:
        """Return the bytes of the uploaded file at `index`, or None."""
        return self._value[index].contents if index < len(self._value) else None


def _cell_html(cell: Any) -> str:
    """Return a table cell's HTML: widgets and `mo.md` output as they render, others as text."""
    if isinstance(cell, Html):
        return cell.text
    return html.escape(str(cell))


class table(UIElement):
    """A table of rows; `.value` is the selected rows (none until the learner selects).

    The value has the data's type: the selected rows of a DataFrame as a DataFrame, of a list
    as a list, and of a dict of columns as a list of row dicts.
    """

    _kind = "table"

    # Rows rendered into the page. Larger tables show their first rows only, and only those
    # can be selected.
    MAX_RENDERED_ROWS = 1000

    def __init__(self, data: Any, pagination: bool | None = None, selection: str | None = "multi",
                 initial_selection: list[int] | None = None, page_size: int = 10, *,
                 label: str = "", on_change: Callable | None = None, **options: Any) -> None:
        self._data = data
        self._selected = list(initial_selection or [])
        row_count = self._row_count()
        super().__init__(self._rows(self._selected), label=label, on_change=on_change, props={
            "selection": selection, "page_size": page_size, "pagination": pagination,
            "row_count": row_count,
            "rendered_rows": min(row_count, self.MAX_RENDERED_ROWS)})

    def _row_count(self) -> int:
        if isinstance(self._data, dict):
            return len(next(iter(self._data.values()), []))
        return len(self._data)

    def _rows(self, indices: list[int]) -> Any:
        if hasattr(self._data, "iloc"):
            return self._data.iloc[indices]
        if isinstance(self._data, dict):
            return [{key: column[i] for key, column in self._data.items()} for i in indices]
        rows = list(self._data)
        return [rows[i] for i in indices]

    def _to_json(self) -> Any:
        return self._selected

    def _from_json(self, value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("a table value must be the list of selected row indices")
        selection = self._props["selection"]
        if selection is None:
            raise ValueError("this table does not allow selection (selection=None)")
        if selection == "single" and len(value) > 1:
            raise ValueError("this table allows one selected row (selection='single')")
        count = self._row_count()
        indices = []
        for index in value:
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
                raise ValueError(f"{index!r} is not a row index of this table of {count} rows")
            if index not in indices:
                indices.append(index)
        self._selected = sorted(indices)
        return self._rows(self._selected)

    def _columns_and_cells(self, limit: int) -> tuple[list[str], list[list[Any]]]:
        """Return the column names and the first `limit` rows as lists of cell values."""
        data = self._data
        if hasattr(data, "iloc"):
            frame = data.to_frame() if hasattr(data, "to_frame") and data.ndim == 1 else data
            head = frame.iloc[:limit]
            columns = [str(column) for column in frame.columns]
            cells = [list(row) for row in head.itertuples(index=False, name=None)]
            if type(frame.index).__name__ != "RangeIndex" or frame.index.name is not None:
                columns.insert(0, str(frame.index.name or ""))
                cells = [[index, *row] for index, row in zip(head.index, cells)]
            return columns, cells
        if isinstance(data, dict):
            columns = [str(key) for key in data]
            return columns, [list(row) for row in zip(*data.values())][:limit]
        rows = list(data)[:limit]
        if rows and all(isinstance(row, dict) for row in rows):
            columns = list(dict.fromkeys(key for row in rows for key in row))
            return [str(c) for c in columns], [[row.get(c, "") for c in columns] for row in rows]
        return ["value"], [[row] for row in rows]

    def _inner_html(self) -> str:
        # Each body row carries its index in `data-row`, which the page sends back as the
        # selection.
        columns, cells = self._columns_and_cells(self.MAX_RENDERED_ROWS)
        head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
        body = "".join(
            f'<tr data-row="{index}">'
            + "".join(f"<td>{_cell_html(cell)}</td>" for cell in row) + "</tr>"
            for index, row in enumerate(cells)
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Composite(UIElement):
    def _adopt(self, children: list[UIElement]) -> None:
        for child in children:
            if not isinstance(child, UIElement):
                raise TypeError(f"{type(child).__name__} is not a mo.ui element")
            child._parent = self

    def _child_changed(self, child: UIElement) -> UIElement | None:
        self._value = self._collect()
        return super()._child_changed(child)

    def _collect(self) -> Any:
        raise NotImplementedError


class array(_Composite):
    """A list of widgets; `.value` is the list of their values."""

    _kind = "array"

    def __init__(self, elements: list[UIElement], *, label: str = "",
                 on_change: Callable | None = None) -> None:
        self._elements = list(elements)
        self._adopt(self._elements)
        super().__init__(self._collect(), label=label, on_change=on_change,
                         props={"children": [element._id for element in self._elements]})

    def _collect(self) -> Any:
        return [element.value for element in self._elements]

    def _children(self) -> list[UIElement]:
        return self._elements

    def _inner_html(self) -> str:
        return "".join(element.text for element in self._elements)

    def _from_json(self, value: Any) -> Any:
        for element, item in zip(self._elements, value):
            element._value = element._from_json(item)
        return self._collect()

    def __getitem__(self, index: int) -> UIElement:
        return self._elements[index]

    def __len__(self) -> int:
        return len(self._elements)

    def __iter__(self):
        return iter(self._elements)


class dictionary(_Composite):
    """A dict of widgets; `.value` is the dict of their values."""

    _kind = "dictionary"

    def __init__(self, elements: dict[str, UIElement], *, label: str = "",
                 on_change: Callable | None = None) -> None:
        self._elements = dict(elements)
        self._adopt(list(self._elements.values()))
        # The page maps child ids to keys, because a batch's layout may place them in any order.
        super().__init__(self._collect(), label=label, on_change=on_change, props={
            "children": [element._id for element in self._elements.values()],
            "keys": list(self._elements)})

    def _collect(self) -> Any:
        return {key: element.value for key, element in self._elements.items()}

    def _children(self) -> list[UIElement]:
        return list(self._elements.values())

    def _inner_html(self) -> str:
        return "".join(
            f"<div><span>{html.escape(key)}</span> {element.text}</div>"
            for key, element in self._elements.items()
        )

    def _from_json(self, value: Any) -> Any:
        for key, item in (value or {}).items():
            element = self._elements[key]
            element._value = element._from_json(item)
        return self._collect()

    def __getitem__(self, key: str) -> UIElement:
        return self._elements[key]

    def items(self):
        return self._elements.items()


class batch(dictionary):
    """Widgets placed inside custom HTML at `{name}` placeholders; `.value` is a dict."""

    _kind = "batch"

    def __init__(self, html: Html, elements: dict[str, UIElement], *,
                 on_change: Callable | None = None) -> None:
        self._template = html.text if isinstance(html, Html) else str(html)
        super().__init__(elements, on_change=on_change)

    def _inner_html(self) -> str:
        text = self._template
        for key, element in self._elements.items():
            text = text.replace("{" + key + "}", element.text)
        return text


class form(UIElement):
    """A wrapper that sends its element's value only on submit; `.value` is None until then."""

    _kind = "form"

    def __init__(self, element: UIElement, *, bordered: bool = True, loading: bool = False,
                 submit_button_label: str = "Submit", submit_button_tooltip: str | None = None,
                 submit_button_disabled: bool = False, clear_on_submit: bool = False,
                 show_clear_button: bool = False, clear_button_label: str = "Clear",
                 clear_button_tooltip: str | None = None,
                 validate: Callable[[Any], str | None] | None = None, label: str = "",
                 on_change: Callable | None = None) -> None:
        self._element = element
        self._validate = validate
        element._parent = self
        super().__init__(None, label=label, on_change=on_change, props={
            "bordered": bordered, "submit_button_label": submit_button_label,
            "clear_on_submit": clear_on_submit, "show_clear_button": show_clear_button,
            "clear_button_label": clear_button_label, "loading": loading,
            "children": [element._id]})

    def _children(self) -> list[UIElement]:
        return [self._element]

    def _inner_html(self) -> str:
        return self._element.text

    def _child_changed(self, child: UIElement) -> UIElement | None:
        return None  # edits inside a form take effect only on submit

    def _from_json(self, value: Any) -> Any:
        self._element._value = self._element._from_json(value)
        submitted = self._element.value
        if self._validate is not None and self._validate(submitted):
            return None
        return submitted


class tabs(UIElement):
    """Tabs showing one content at a time; `.value` is the selected tab's name."""

    _kind = "tabs"

    def __init__(self, tabs: dict[str, Any], value: str | None = None, lazy: bool = False, *,
                 label: str = "", on_change: Callable | None = None,
                 orientation: str = "horizontal") -> None:
        self._tabs = dict(tabs)
        names = list(self._tabs)
        super().__init__(value or (names[0] if names else ""), label=label, on_change=on_change,
                         props={"tabs": names, "orientation": orientation})

    def _from_json(self, value: Any) -> Any:
        if not isinstance(value, str) or value not in self._tabs:
            raise ValueError(f"{value!r} is not one of the tabs {list(self._tabs)!r}")
        return value

    def _inner_html(self) -> str:
        return "".join(
            f'<section data-tab="{html.escape(str(name))}">{as_html(content).text}</section>'
            for name, content in self._tabs.items()
        )


class _Selection:
    """An empty selection on a matplotlib plot."""

    def get_mask(self, x: Any, y: Any) -> Any:
        """Return a boolean mask of the selected points: all False until the learner selects."""
        import numpy

        return numpy.zeros(len(x), dtype=bool)


class matplotlib(UIElement):
    """A matplotlib plot; `.value` is the learner's selection (empty in this kernel)."""

    _kind = "matplotlib"

    def __init__(self, axes: Any, value: Any = None, *, debounce: bool = False,
                 label: str = "", on_change: Callable | None = None) -> None:
        self._axes = axes
        super().__init__(_Selection(), label=label, on_change=on_change)

    def _to_json(self) -> Any:
        return None

    def _inner_html(self) -> str:
        # NOTE: the plot is a static image. Box and lasso selection are not implemented, so
        # the selection stays empty.
        return as_html(self._axes).text


def _unsupported(name: str) -> Callable[..., Any]:
    def factory(*args: Any, **kwargs: Any) -> Any:
        raise not_supported(f"mo.ui.{name}")

    factory.__name__ = name
    return factory


dataframe = _unsupported("dataframe")
data_explorer = _unsupported("data_explorer")
data_editor = _unsupported("data_editor")
experimental_data_editor = _unsupported("experimental_data_editor")
file_browser = _unsupported("file_browser")
refresh = _unsupported("refresh")
microphone = _unsupported("microphone")
chat = _unsupported("chat")
altair_chart = _unsupported("altair_chart")
plotly = _unsupported("plotly")
anywidget = _unsupported("anywidget")
panel = _unsupported("panel")
