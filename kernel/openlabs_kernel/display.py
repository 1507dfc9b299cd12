"""Turn a cell's last expression into a (mime type, data) output."""

from __future__ import annotations

import base64
import html
import io
import sys
from typing import Any

# Larger outputs are cut, so that one cell cannot flood the protocol stream.
MAX_TEXT_CHARS = 200_000
MAX_TABLE_ROWS = 100


def format_output(value: Any) -> tuple[str, str] | None:
    """Return the richest (mime, data) form of `value`, or None when there is nothing to show."""
    if value is None:
        return None
    mime_method = getattr(type(value), "_mime_", None)
    if mime_method is not None:
        return value._mime_()
    figure = _matplotlib_figure(value)
    if figure is not None:
        return "image/png", figure_png_base64(figure)
    if _is_pandas(value):
        return "text/html", _pandas_html(value)
    for method, mime in (
        ("_repr_html_", "text/html"),
        ("_repr_markdown_", "text/markdown"),
        ("_repr_svg_", "image/svg+xml"),
    ):
        if hasattr(type(value), method):
            data = getattr(value, method)()
            if data is not None:
                return mime, _cut(str(data))
    if hasattr(type(value), "_repr_png_"):
        data = value._repr_png_()
        if data:
            return "image/png", base64.b64encode(data).decode("ascii")
    return "text/plain", _cut(repr(value))


def as_html(value: Any) -> str:
    """Render any value as an HTML fragment, for embedding in Markdown and layouts."""
    if isinstance(value, str):
        return html.escape(value)
    output = format_output(value)
    if output is None:
        return ""
    mime, data = output
    if mime == "text/html":
        return data
    if mime == "image/png":
        return f'<img src="data:image/png;base64,{data}" alt="">'
    if mime == "image/svg+xml":
        return data
    return f"<pre>{html.escape(data)}</pre>"


def _cut(text: str) -> str:
    if len(text) <= MAX_TEXT_CHARS:
        return text
    return text[:MAX_TEXT_CHARS] + f"\n... ({len(text) - MAX_TEXT_CHARS} more characters)"


def _is_pandas(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series))


def _pandas_html(value: Any) -> str:
    frame = value.to_frame() if value.__class__.__name__ == "Series" else value
    table = frame.to_html(max_rows=MAX_TABLE_ROWS, border=0, classes="dataframe")
    return _cut(table)


def _matplotlib_figure(value: Any) -> Any:
    """Return the matplotlib Figure behind a Figure, Axes or list of artists, else None."""
    if "matplotlib" not in sys.modules:
        return None
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

    if isinstance(value, list) and value and all(isinstance(item, Artist) for item in value):
        value = value[0]
    if isinstance(value, Figure):
        return value
    if isinstance(value, Artist):
        return value.get_figure()
    return None


def figure_png_base64(figure: Any) -> str:
    """Render a matplotlib figure to base64 PNG with the Agg backend."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
