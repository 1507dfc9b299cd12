"""State shared between the marimo shim and the kernel that runs the cells."""

from __future__ import annotations

import weakref
from typing import Any


class Runtime:
    """Widget registry and `mo.state` bookkeeping of one kernel process."""

    def __init__(self) -> None:
        self.session: Any = None  # the kernel's Session, when a kernel runs the cells
        self.cell_id = "setup"
        self.widgets: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._counter = 0
        self._created: list[Any] = []
        # Every widget that each cell's last run created. Holding them keeps a widget that is
        # shown but not bound to a global (tabs as a cell's last expression, the children of a
        # layout) in `widgets`, so it still accepts values from the page.
        self._created_by_cell: dict[str, list[Any]] = {}
        self._changed_states: list[tuple[Any, str | None]] = []

    def begin_cell(self, cell_id: str) -> None:
        """Start counting widget ids for a run of `cell_id`."""
        self.cell_id = cell_id
        self._counter = 0
        self._created = []

    def end_cell(self) -> list[Any]:
        """Return the top-level widgets created during the cell run that just ended."""
        self._created_by_cell[self.cell_id] = self._created
        created = [widget for widget in self._created if widget._parent is None]
        self._created = []
        return created

    def forget_cell(self, cell_id: str | None = None) -> None:
        """Release the widgets of a deleted cell, or of every cell when `cell_id` is None."""
        if cell_id is None:
            self._created_by_cell.clear()
        else:
            self._created_by_cell.pop(cell_id, None)

    def register(self, widget: Any) -> str:
        """Give a new widget an id that stays the same when its cell runs again."""
        self._counter += 1
        widget_id = f"{self.cell_id}-{self._counter}"
        self.widgets[widget_id] = widget
        self._created.append(widget)
        return widget_id

    def state_changed(self, state: Any) -> None:
        """Record a `mo.state` setter call, so the kernel re-runs the getter's readers."""
        cell = self.session.current_cell if self.session is not None else None
        self._changed_states.append((state, cell))

    def take_changed_states(self) -> list[tuple[Any, str | None]]:
        """Return and clear the states set since the last call."""
        changed, self._changed_states = self._changed_states, []
        return changed


RUNTIME = Runtime()
