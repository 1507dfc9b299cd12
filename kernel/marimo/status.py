"""`mo.status`: progress bars and spinners."""

from __future__ import annotations

import sys
from typing import Any, Iterable, Iterator


class progress_bar:
    """Iterate over `collection`, reporting progress on stderr; also usable with `with`."""

    def __init__(self, collection: Iterable[Any] | None = None, *, title: str | None = None,
                 subtitle: str | None = None, completion_title: str | None = None,
                 completion_subtitle: str | None = None, total: int | None = None,
                 show_rate: bool = True, show_eta: bool = True, remove_on_exit: bool = False,
                 disabled: bool = False) -> None:
        self.collection = collection
        self.title = title or "Progress"
        self.total = total if total is not None else _length(collection)
        self.done = 0
        self.disabled = disabled

    def __iter__(self) -> Iterator[Any]:
        for item in self.collection or []:
            yield item
            self.update()

    def __enter__(self) -> "progress_bar":
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def update(self, increment: int = 1, title: str | None = None,
               subtitle: str | None = None) -> None:
        """Advance the bar by `increment` steps."""
        self.done += increment
        if title:
            self.title = title
        if not self.disabled:
            total = f"/{self.total}" if self.total else ""
            print(f"{self.title}: {self.done}{total}", file=sys.stderr, flush=True)


def _length(collection: Any) -> int | None:
    try:
        return len(collection)
    except TypeError:
        return None


class spinner:
    """A context manager showing that work is in progress."""

    def __init__(self, title: str | None = None, subtitle: str | None = None,
                 remove_on_exit: bool = True) -> None:
        self.title = title or "Loading"

    def __enter__(self) -> "spinner":
        print(f"{self.title}...", file=sys.stderr, flush=True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def update(self, title: str | None = None, subtitle: str | None = None) -> None:
        """Change the spinner's text."""
        if title:
            print(f"{title}...", file=sys.stderr, flush=True)
