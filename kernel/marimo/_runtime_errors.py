"""Exceptions that the kernel treats specially."""

from __future__ import annotations

from typing import Any


class StopCell(BaseException):
    """Raised by `mo.stop`: the cell ends early, shows `output`, and its descendants do not run.

    It derives from BaseException so that `except Exception` in learner code does not catch it.
    """

    def __init__(self, output: Any = None) -> None:
        super().__init__("mo.stop was called")
        self.output = output


class NotSupported(NotImplementedError):
    """Raised by the parts of marimo's API that this kernel does not implement."""


def not_supported(feature: str) -> NotSupported:
    """Return the error for a marimo feature that Open Labs Share notebooks lack."""
    return NotSupported(
        f"{feature} is not supported in Open Labs Share notebooks, which implement a subset of "
        "marimo's API (see kernel/marimo/README.md)."
    )
