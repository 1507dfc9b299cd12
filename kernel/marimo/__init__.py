"""A subset of marimo's API for notebooks run by the Open Labs Share kernel.

This package is written for Open Labs Share from marimo's documented behavior; it is not
marimo. What it lacks raises NotImplementedError with a message saying so (see README.md).
"""

from __future__ import annotations

import functools
import pathlib
from typing import Any, Callable, Iterable

from marimo import _context, status, ui
from marimo._html import (
    Html, accordion, as_html, callout, doc, hstack, image, md, plain_text, tree, vstack,
)
from marimo._html import json_html as json
from marimo._runtime_errors import NotSupported, StopCell, not_supported

__version__ = "0.0.0-openlabs"

__all__ = [
    "App", "Html", "accordion", "as_html", "cache", "callout", "cli_args", "doc", "hstack",
    "image", "json", "lru_cache", "md", "notebook_dir", "plain_text", "running_in_notebook",
    "state", "status", "stop", "tree", "ui", "vstack",
]


class App:
    """The `marimo.App(...)` of a notebook file. The kernel reads files statically, so this class
    only keeps the configuration."""

    def __init__(self, **config: Any) -> None:
        self.config = config

    def run(self) -> Any:
        """Run the notebook as a script: not available inside a cell."""
        raise not_supported("app.run()")


def stop(predicate: bool, output: Any = None) -> None:
    """End the cell early when `predicate` is true, showing `output`. Cells that depend on this
    one do not run."""
    if predicate:
        raise StopCell(output)


def running_in_notebook() -> bool:
    """Tell whether the code runs in a notebook session (always true in this kernel)."""
    return True


def cli_args() -> dict[str, Any]:
    """Return the command-line arguments of a script run: none in a notebook session."""
    return {}


def notebook_dir() -> pathlib.Path:
    """Return the directory of the notebook, which also contains its assets."""
    return pathlib.Path("/work")


class _State:
    def __init__(self, value: Any) -> None:
        self.value = value
        self.getter = self._get

    def _get(self) -> Any:
        return self.value

    def set(self, update: Any) -> None:
        self.value = update(self.value) if callable(update) else update
        _context.RUNTIME.state_changed(self)


def state(value: Any, *, allow_self_loops: bool = False) -> tuple[Callable[[], Any],
                                                                    Callable[[Any], None]]:
    """Return a (getter, setter) pair. Calling the setter re-runs the cells that read the
    getter's global, except the cell that called it."""
    holder = _State(value)
    return holder.getter, holder.set


def cache(function: Callable | None = None, **_: Any) -> Any:
    """Memoize a function on its arguments (unhashable arguments are keyed by their repr)."""
    if function is None:
        return cache

    results: dict[Any, Any] = {}

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = _cache_key(args, kwargs)
        if key not in results:
            results[key] = function(*args, **kwargs)
        return results[key]

    wrapper.cache_clear = results.clear  # type: ignore[attr-defined]
    return wrapper


def _cache_key(args: tuple, kwargs: dict) -> Any:
    key = (args, tuple(sorted(kwargs.items())))
    try:
        hash(key)
        return key
    except TypeError:
        return repr(key)


def lru_cache(function: Callable | None = None, maxsize: int = 128, **_: Any) -> Any:
    """Memoize a function, keeping at most `maxsize` results."""
    if function is None:
        return lambda inner: functools.lru_cache(maxsize=maxsize)(inner)
    return functools.lru_cache(maxsize=maxsize)(function)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    raise not_supported(f"mo.{name}")
