"""Tell which cells Python cannot parse, without running them.

marimo writes a cell whose code does not parse into an AST as `app._unparsable_cell(...)`. The
server runs this module through check_syntax.py in a sandbox, because its own tokenizer misses
syntax errors that tokenize cleanly, such as `x = = 1`.
"""

from __future__ import annotations

import ast

# Top-level `await` is valid in a marimo cell.
_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


def syntax_error(code: str) -> str | None:
    """Return why `code` does not parse as a cell, or None when it parses."""
    try:
        compile(code, "<cell>", "exec", flags=_FLAGS, dont_inherit=True)
    except SyntaxError as error:
        return f"{error.msg} (line {error.lineno})"
    except (ValueError, RecursionError, MemoryError) as error:
        # ValueError: null bytes; RecursionError and MemoryError: nesting too deep to parse.
        return f"{type(error).__name__}: {error}"
    return None


def check_cells(codes: list[str]) -> list[str | None]:
    """Return syntax_error() of each code, in order."""
    return [syntax_error(code) for code in codes]
