"""`mo.Html`, `mo.md`, `mo.as_html` and the layout helpers."""

from __future__ import annotations

import html
import inspect
import json
from typing import Any

from marimo import _markdown


class Html:
    """An HTML fragment that a cell can output or embed in Markdown and layouts."""

    def __init__(self, text: str) -> None:
        self._text = text

    @property
    def text(self) -> str:
        """The HTML source."""
        return self._text

    def _mime_(self) -> tuple[str, str]:
        return "text/html", self.text

    def __format__(self, spec: str) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Html({self.text[:80]!r})"

    def batch(self, **elements: Any) -> Any:
        """Make a UI element whose value is a dict of `elements`, laid out by this HTML."""
        from marimo import ui

        return ui.batch(self, elements)

    def center(self) -> "Html":
        """Center this content horizontally."""
        return _flex([self], "row", justify="center")

    def left(self) -> "Html":
        """Align this content to the left."""
        return _flex([self], "row", justify="flex-start")

    def right(self) -> "Html":
        """Align this content to the right."""
        return _flex([self], "row", justify="flex-end")

    def callout(self, kind: str = "neutral", title: str | None = None) -> "Html":
        """Put this content in a colored box; kind is neutral, info, success, warn or danger."""
        return callout(self, kind=kind, title=title)

    def style(self, style: dict[str, Any] | None = None, **more: Any) -> "Html":
        """Wrap this content in a div with inline CSS."""
        rules = {**(style or {}), **more}
        css = ";".join(f"{key.replace('_', '-')}:{value}" for key, value in rules.items())
        return Html(f'<div style="{html.escape(css)}">{self.text}</div>')


def md(text: str) -> Html:
    """Render Markdown (with `$...$` math and embedded HTML or widgets) as HTML."""
    return Html(f'<div class="markdown">{_markdown.render(text)}</div>')


def as_html(value: Any) -> Html:
    """Convert any value to Html: plots become images, data frames tables, others text."""
    if isinstance(value, Html):
        return value
    from openlabs_kernel import display

    return Html(display.as_html(value).replace("\n", "&#10;"))


def plain_text(text: str) -> Html:
    """Show text verbatim in a monospace block."""
    return Html(f"<pre>{html.escape(text)}</pre>".replace("\n", "&#10;"))


def _flex(items: list[Any], direction: str, justify: str = "flex-start", align: str | None = None,
          wrap: bool = False, gap: float = 0.5, sizes: list[float] | None = None) -> Html:
    css = f"display:flex;flex-direction:{direction};justify-content:{justify};gap:{gap}rem"
    if align:
        css += f";align-items:{align}"
    if wrap:
        css += ";flex-wrap:wrap"
    children = []
    for index, item in enumerate(items):
        grow = f' style="flex:{sizes[index]}"' if sizes and index < len(sizes) else ""
        children.append(f"<div{grow}>{as_html(item).text}</div>")
    return Html(f'<div style="{css}">{"".join(children)}</div>')


_JUSTIFY = {"start": "flex-start", "end": "flex-end", "center": "center",
            "space-between": "space-between", "space-around": "space-around"}
_ALIGN = {"start": "flex-start", "end": "flex-end", "center": "center", "stretch": "stretch"}


def hstack(items: list[Any], *, justify: str = "space-between", align: str | None = None,
           wrap: bool = False, gap: float = 0.5, widths: Any = None) -> Html:
    """Lay out items in a row."""
    sizes = widths if isinstance(widths, list) else None
    return _flex(list(items), "row", _JUSTIFY.get(justify, justify), _ALIGN.get(align or "", align),
                 wrap, gap, sizes)


def vstack(items: list[Any], *, align: str | None = None, justify: str = "start",
           gap: float = 0.5, heights: Any = None) -> Html:
    """Lay out items in a column."""
    sizes = heights if isinstance(heights, list) else None
    return _flex(list(items), "column", _JUSTIFY.get(justify, justify),
                 _ALIGN.get(align or "", align), False, gap, sizes)


def accordion(items: dict[str, Any], multiple: bool = False, lazy: bool = False) -> Html:
    """Show each item under a collapsible title."""
    sections = "".join(
        f"<details><summary>{_markdown.render_inline(str(title))}</summary>"
        f"{_content(value).text}</details>"
        for title, value in items.items()
    )
    return Html(f'<div class="accordion">{sections}</div>')


def _content(value: Any) -> Html:
    if isinstance(value, str):
        return md(value)
    return as_html(value)


def callout(value: Any, kind: str = "neutral", title: str | None = None) -> Html:
    """Put content in a colored box; kind is neutral, info, success, warn or danger."""
    heading = f'<p class="callout-title">{html.escape(title)}</p>' if title else ""
    return Html(f'<div class="callout callout-{html.escape(kind)}">{heading}'
                f"{_content(value).text}</div>")


def tree(items: Any, label: str | None = None) -> Html:
    """Show nested lists, tuples and dicts as a tree."""
    body = _tree_node(items)
    heading = f"<p>{html.escape(label)}</p>" if label else ""
    return Html(f'<div class="tree">{heading}{body}</div>')


def _tree_node(value: Any) -> str:
    if isinstance(value, dict):
        entries = "".join(
            f"<li><b>{html.escape(str(key))}</b>: {_tree_node(child)}</li>"
            for key, child in value.items()
        )
        return f"<ul>{entries}</ul>"
    if isinstance(value, (list, tuple, set, frozenset)):
        entries = "".join(f"<li>{_tree_node(child)}</li>" for child in value)
        return f"<ul>{entries}</ul>"
    if isinstance(value, Html):
        return value.text
    return html.escape(repr(value))


def doc(obj: Any) -> Html:
    """Show the documentation of a Python object."""
    text = inspect.getdoc(obj) or "(no documentation)"
    name = getattr(obj, "__qualname__", type(obj).__name__)
    return Html(f"<div class=\"doc\"><p><code>{html.escape(name)}</code></p>"
                + plain_text(text).text + "</div>")


def image(src: Any, alt: str = "", width: Any = None, height: Any = None, **_: Any) -> Html:
    """Show an image from bytes, a file path in the work directory, or a URL."""
    import base64
    import pathlib

    if isinstance(src, (str, pathlib.Path)) and not str(src).startswith(("http:", "https:")):
        src = pathlib.Path(src).read_bytes()
    if isinstance(src, (bytes, bytearray)):
        url = "data:image/png;base64," + base64.b64encode(bytes(src)).decode("ascii")
    else:
        url = str(src)
    size = "".join(f' {key}="{value}"' for key, value in (("width", width), ("height", height))
                   if value is not None)
    return Html(f'<img src="{html.escape(url)}" alt="{html.escape(alt)}"{size}>')


def json_html(data: Any) -> Html:
    """Show JSON-serializable data as formatted text."""
    return plain_text(json.dumps(data, indent=2, default=str))
