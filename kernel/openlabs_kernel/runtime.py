"""A notebook session: cells, one shared namespace, reactive execution.

Running a cell runs every cell that depends on it, in topological order. Before a cell runs,
the names it defined last time are deleted from the namespace, so a deleted definition cannot
linger. Names that start with one underscore are renamed per cell (`_x` in cell c3 becomes
`_c3_x`), which makes them local to their cell as marimo specifies.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import dataclasses
import gc
import linecache
import resource
import signal
import time
import traceback
from typing import Any, Callable

from openlabs_kernel import analysis, display, notebook_file
from openlabs_kernel.notebook_file import Cell

# Statuses sent to the client.
QUEUED, RUNNING, DONE, ERROR, STALE = "queued", "running", "done", "error", "stale"

_OUTPUT_NAME = "__openlabs_output__"
# Cells that add_cell lets a session grow to. Opening a file is bounded by the file's size.
MAX_CELLS = 1000
Emit = Callable[[dict[str, Any]], None]


class CellLimitExceeded(BaseException):
    """Raised inside a cell that ran past its CPU or wall-clock budget.

    It derives from BaseException so that a bare `except Exception` in learner code does not
    swallow it.
    """


@dataclasses.dataclass
class CellState:
    """A cell of the session, with its analysis, status and the names its last run defined."""

    id: str
    cell: Cell
    analysis: analysis.CellAnalysis
    status: str = STALE
    # Names this cell put in the namespace on its last run.
    defined: set[str] = dataclasses.field(default_factory=set)
    # The linecache entry holding the code of the cell's last run, for tracebacks.
    source_name: str | None = None


class Session:
    """The cells and namespace of one notebook session. Not thread-safe."""

    def __init__(
        self,
        emit: Emit,
        filename: str = "/work/notebook.py",
        cell_cpu_seconds: float | None = None,
        cell_wall_seconds: float | None = None,
    ) -> None:
        self.emit = emit
        self.filename = filename
        self.cell_cpu_seconds = cell_cpu_seconds
        self.cell_wall_seconds = cell_wall_seconds
        self.notebook = notebook_file.Notebook(cells=[])
        self.cells: dict[str, CellState] = {}  # in page order
        self.namespace: dict[str, Any] = {}
        self.graph = analysis.build_graph([])
        self.loop = asyncio.new_event_loop()
        self.current_cell: str | None = None
        self._next_id = 1
        self._reset_namespace()
        self._install_marimo_hooks()

    # ------------------------------------------------------------------------------------------
    # Editing

    def open(self, source: str) -> None:
        """Replace the session's cells with those of a notebook file's text."""
        from marimo import _context

        notebook = notebook_file.parse_notebook(source)
        self.notebook = dataclasses.replace(notebook, cells=[])
        for state in self.cells.values():
            self._forget_source(state)
        self.cells.clear()
        _context.RUNTIME.forget_cell()
        self._reset_namespace()
        for cell in notebook.cells:
            self._add(cell)
        self._rebuild_graph()
        self.emit({"type": "notebook", **self.describe()})

    def describe(self) -> dict[str, Any]:
        """Return the notebook's cells and app configuration as JSON-ready data."""
        return {
            "app_arguments": self.notebook.app_arguments,
            "cells": [self._describe_cell(state) for state in self.cells.values()],
        }

    def add_cell(self, code: str, after: str | None = None, name: str = "_") -> str:
        """Insert a cell after `after` (at the end when None) and return its id.

        Raises ValueError when the session already has MAX_CELLS cells.
        """
        if len(self.cells) >= MAX_CELLS:
            raise ValueError(f"a notebook has at most {MAX_CELLS} cells; delete a cell first")
        state = self._add(Cell(code=code, name=name))
        if after is not None:
            self._require(after)
            ids = [cell_id for cell_id in self.cells if cell_id != state.id]
            ids.insert(ids.index(after) + 1, state.id)
            self.cells = {cell_id: self.cells[cell_id] for cell_id in ids}
        self._rebuild_graph()
        self.emit({"type": "cell", **self._describe_cell(state)})
        return state.id

    def update_cell(
        self, cell_id: str, code: str | None = None, name: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        """Change a cell's code, name or options. The cell becomes stale until it runs."""
        state = self._require(cell_id)
        if code is not None:
            state.cell.code = code
            state.analysis = analysis.analyze_cell(code)
        if name is not None:
            state.cell.name = name
        if options is not None:
            state.cell.options = options
        self._rebuild_graph()
        self._set_status(state, STALE)
        self.emit({"type": "cell", **self._describe_cell(state)})

    def move_cell(self, cell_id: str, index: int) -> None:
        """Move a cell to a new page position. Run order depends only on the graph."""
        self._require(cell_id)
        ids = [other for other in self.cells if other != cell_id]
        ids.insert(max(0, min(index, len(ids))), cell_id)
        self.cells = {other: self.cells[other] for other in ids}
        self._rebuild_graph()

    def delete_cell(self, cell_id: str) -> None:
        """Delete a cell and its definitions, then re-run the cells that read them."""
        from marimo import _context

        state = self._require(cell_id)
        dependents = analysis.descendants(self.graph, {cell_id})
        self._forget_definitions(state)
        self._forget_source(state)
        _context.RUNTIME.forget_cell(cell_id)
        del self.cells[cell_id]
        self._rebuild_graph()
        self.emit({"type": "deleted", "cell": cell_id})
        roots = {c for c in dependents if c in self.cells}
        if roots:
            self._run(roots)

    def export(self) -> str:
        """Write the session's cells in marimo's file format."""
        return notebook_file.export_notebook(self._current_notebook())

    # ------------------------------------------------------------------------------------------
    # Running

    def run_all(self) -> None:
        """Run every cell in dependency order."""
        self._run(set(self.cells))

    def run_cells(self, cell_ids: list[str]) -> None:
        """Run the given cells and every cell that depends on them."""
        for cell_id in cell_ids:
            self._require(cell_id)
        self._run(set(cell_ids))

    def set_widget_value(self, widget_id: str, value: Any) -> None:
        """Apply a value sent by the client and re-run the cells that read the widget's global."""
        from marimo import _context

        widget = _context.RUNTIME.widgets.get(widget_id)
        if widget is None:
            raise KeyError(f"no widget with id {widget_id!r}; run the cell that creates it")
        try:
            root = widget._receive(value)
        except Exception as error:  # a bad value, or learner code in on_click or on_change
            raise ValueError(f"widget {widget_id} ({widget._kind}) rejected the value: "
                             f"{type(error).__name__}: {error}") from error
        if root is not None:
            # Cells may read the changed element itself or any composite that contains it.
            chain = [widget]
            while chain[-1] is not root and chain[-1]._parent is not None:
                chain.append(chain[-1]._parent)
            self._run_readers_of(*chain)
            if hasattr(root, "_after_run"):
                root._after_run()
        self._propagate_state_changes()

    def _run_readers_of(self, *values: Any) -> None:
        names = {name for name, bound in self.namespace.items()
                 if any(bound is value for value in values)}
        definers = {c for c, s in self.cells.items() if s.analysis.defs & names}
        readers = {c for c, s in self.cells.items() if s.analysis.refs & names} - definers
        if readers:
            self._run(readers)

    def _run(self, roots: set[str]) -> None:
        to_run = roots | analysis.descendants(self.graph, roots)
        order = [cell_id for cell_id in self.graph.order if cell_id in to_run]
        for cell_id in order:
            self._set_status(self.cells[cell_id], QUEUED)
        blocked: dict[str, str] = {}  # cell id -> why its descendants must not run
        for cell_id in order:
            state = self.cells[cell_id]
            reason = self._blocking_reason(state, blocked)
            if reason is not None:
                blocked[cell_id] = reason
                continue
            outcome = self._execute(state)
            if outcome != DONE:
                blocked[cell_id] = outcome
        self._propagate_state_changes()

    def _blocking_reason(self, state: CellState, blocked: dict[str, str]) -> str | None:
        """Report and return why a queued cell must not run, or None when it may run."""
        if state.id in self.graph.errors:
            self._forget_definitions(state)
            self._report_error(state, "graph", self.graph.errors[state.id])
            return "error"
        if state.cell.kind == notebook_file.UNPARSABLE or state.analysis.syntax_error:
            self._forget_definitions(state)
            self._report_error(state, "syntax", state.analysis.syntax_error or "invalid syntax")
            return "error"
        failed_parents = [p for p in self.graph.parents[state.id] if p in blocked]
        if state.cell.options.get("disabled") or any(
            blocked[p] in ("disabled", "stopped") for p in failed_parents
        ):
            self._forget_definitions(state)
            self._set_status(state, STALE)
            return "disabled" if state.cell.options.get("disabled") else "stopped"
        if failed_parents:
            self._forget_definitions(state)
            names = ", ".join(self._label(p) for p in sorted(failed_parents))
            self._report_error(state, "ancestor", f"Not run because {names} failed.")
            return "error"
        return None

    def _execute(self, state: CellState) -> str:
        """Run one cell; return DONE, "error" or "stopped"."""
        from marimo import _context, _runtime_errors

        self._forget_definitions(state)
        filename = f"<cell {self._label(state.id)}>"
        code = self._compile(state, filename)
        self._forget_source(state)
        state.source_name = filename
        linecache.cache[filename] = (len(state.cell.code), None,
                                     state.cell.code.splitlines(True), filename)
        before = set(self.namespace)
        self.current_cell = state.id
        _context.RUNTIME.begin_cell(state.id)
        self.emit({"type": "output", "cell": state.id, "mime": None, "data": None})
        self._set_status(state, RUNNING)
        started = time.perf_counter()
        outcome = DONE
        try:
            with _Budget(self.cell_cpu_seconds, self.cell_wall_seconds):
                result = eval(code, self.namespace)
                if asyncio.iscoroutine(result):
                    self.loop.run_until_complete(result)
            self._emit_output(state, self.namespace.pop(_OUTPUT_NAME, None))
        except _runtime_errors.StopCell as stop:
            self._emit_output(state, stop.output)
            outcome = "stopped"
        except CellLimitExceeded as error:
            self._report_error(state, "timeout", str(error))
            outcome = "error"
        except BaseException as error:  # learner code may raise anything, SystemExit included
            self._report_exception(state, error)
            outcome = "error"
        finally:
            self.namespace.pop(_OUTPUT_NAME, None)
            self.current_cell = None
            widgets = _context.RUNTIME.end_cell()
            state.defined = (set(self.namespace) - before) | (
                state.analysis.defs & set(self.namespace)
            )
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        if outcome == "error":
            # A failed cell's partial results must not hold memory (a runaway allocation) or
            # feed other cells.
            self._forget_definitions(state)
            gc.collect()
        if widgets:
            self.emit({"type": "widgets", "cell": state.id,
                       "widgets": [widget._describe() for widget in widgets]})
        if outcome != "error":
            self._set_status(state, DONE, elapsed_ms)
        else:
            state.status = ERROR
            self.emit({"type": "status", "cell": state.id, "status": ERROR,
                       "duration_ms": elapsed_ms})
        return outcome

    def _compile(self, state: CellState, filename: str) -> Any:
        tree = ast.parse(state.cell.code, filename=filename)
        tree = _PrivateNameMangler(f"_{state.id}").visit(tree)
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = tree.body[-1]
            tree.body[-1] = ast.copy_location(
                ast.Assign(targets=[ast.Name(_OUTPUT_NAME, ast.Store())], value=last.value), last
            )
        ast.fix_missing_locations(tree)
        return compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

    def _emit_output(self, state: CellState, value: Any) -> None:
        try:
            output = display.format_output(value)
        except Exception as error:  # a broken _repr_html_ must not lose the cell's result
            output = ("text/plain", f"(the output could not be displayed: {error!r})")
        if output is not None:
            mime, data = output
            self.emit({"type": "output", "cell": state.id, "mime": mime, "data": data})

    # ------------------------------------------------------------------------------------------
    # Helpers

    def _reset_namespace(self) -> None:
        self.namespace.clear()
        self.namespace.update(
            {"__name__": "__main__", "__file__": self.filename, "__builtins__": builtins}
        )

    def _install_marimo_hooks(self) -> None:
        from marimo import _context

        _context.RUNTIME.session = self

    def _add(self, cell: Cell) -> CellState:
        cell_id = f"c{self._next_id}"
        self._next_id += 1
        state = CellState(id=cell_id, cell=cell, analysis=analysis.analyze_cell(cell.code))
        self.cells[cell_id] = state
        return state

    def _require(self, cell_id: str) -> CellState:
        state = self.cells.get(cell_id)
        if state is None:
            raise KeyError(f"no cell with id {cell_id!r}")
        return state

    def _label(self, cell_id: str) -> str:
        name = self.cells[cell_id].cell.name if cell_id in self.cells else "_"
        return cell_id if name in ("_", "__") else f"{cell_id} ({name})"

    def _rebuild_graph(self) -> None:
        self.graph = analysis.build_graph(
            [(cell_id, state.analysis) for cell_id, state in self.cells.items()]
        )

    def _forget_definitions(self, state: CellState) -> None:
        for name in state.defined | state.analysis.defs:
            if name not in ("__name__", "__file__", "__builtins__"):
                self.namespace.pop(name, None)
        state.defined = set()

    @staticmethod
    def _forget_source(state: CellState) -> None:
        """Drop the cell's code from linecache, so deleted and renamed cells leave none behind."""
        if state.source_name is not None:
            linecache.cache.pop(state.source_name, None)
            state.source_name = None

    def _current_notebook(self) -> notebook_file.Notebook:
        cells = [state.cell for state in self.cells.values()]
        return dataclasses.replace(self.notebook, cells=cells)

    def _describe_cell(self, state: CellState) -> dict[str, Any]:
        return {
            "id": state.id,
            "name": state.cell.name,
            "kind": state.cell.kind,
            "code": state.cell.code,
            "options": state.cell.options,
            "defs": sorted(state.analysis.defs),
            "refs": sorted(state.analysis.refs),
            "error": self.graph.errors.get(state.id) or state.analysis.syntax_error,
        }

    def _set_status(self, state: CellState, status: str, duration_ms: float | None = None) -> None:
        state.status = status
        event: dict[str, Any] = {"type": "status", "cell": state.id, "status": status}
        if duration_ms is not None:
            event["duration_ms"] = duration_ms
        self.emit(event)

    def _report_error(self, state: CellState, kind: str, message: str) -> None:
        state.status = ERROR
        self.emit({"type": "error", "cell": state.id, "kind": kind, "message": message,
                   "traceback": ""})
        self.emit({"type": "status", "cell": state.id, "status": ERROR})

    def _report_exception(self, state: CellState, error: BaseException) -> None:
        from marimo import _runtime_errors

        kind = "unsupported" if isinstance(error, _runtime_errors.NotSupported) else "exception"
        frames = traceback.extract_tb(error.__traceback__)
        # Drop the kernel's own frames: show the learner's code and what it called.
        first = next((i for i, f in enumerate(frames) if f.filename.startswith("<cell")), 0)
        lines = ["Traceback (most recent call last):\n"]
        lines += traceback.format_list(frames[first:])
        lines += traceback.format_exception_only(type(error), error)
        prefix = f"_{state.id}_"
        text = "".join(lines).replace(prefix, "_")
        message = "".join(traceback.format_exception_only(type(error), error)).strip()
        self.emit({"type": "error", "cell": state.id, "kind": kind,
                   "message": message.replace(prefix, "_"), "traceback": text})

    def _propagate_state_changes(self) -> None:
        """Re-run the readers of `mo.state` getters whose setters were called."""
        from marimo import _context

        for _ in range(16):  # a bound, because two cells may keep setting each other's state
            changed = _context.RUNTIME.take_changed_states()
            if not changed:
                return
            for state_object, setter_cell in changed:
                names = {n for n, v in self.namespace.items() if v is state_object.getter}
                readers = {c for c, s in self.cells.items() if s.analysis.refs & names}
                readers.discard(setter_cell)
                if readers:
                    self._run(readers)


class _PrivateNameMangler(ast.NodeTransformer):
    """Rename cell-private names (`_x` to `<prefix>_x`) except where a function shadows them."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.shadowed: list[set[str]] = [set()]

    def _rename(self, name: str) -> str:
        if analysis.is_private(name) and name not in self.shadowed[-1]:
            return self.prefix + name
        return name

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._rename(node.id)
        return node

    def visit_alias(self, node: ast.alias) -> ast.alias:
        bound = node.asname or node.name.split(".")[0]
        if self._rename(bound) != bound:
            node.asname = self._rename(bound)
        return node

    def visit_Global(self, node: ast.Global) -> ast.Global:
        node.names = [self._rename(name) for name in node.names]
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        if node.name:
            node.name = self._rename(node.name)
        return self.generic_visit(node)

    def _visit_scope(self, node: ast.AST, body: list[ast.stmt]) -> ast.AST:
        args = node.args
        names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
        names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
        bound, _, _ = analysis._bound_in_block(body)
        declared = analysis._global_declarations_shallow(body)
        self.shadowed.append(self.shadowed[-1] | names | (bound - declared))
        for field in ("body",):
            setattr(node, field, self._visit_body(getattr(node, field)))
        self.shadowed.pop()
        for field in ("decorator_list",):
            setattr(node, field, [self.visit(d) for d in getattr(node, field, [])])
        args.defaults = [self.visit(d) for d in args.defaults]
        args.kw_defaults = [self.visit(d) if d is not None else None for d in args.kw_defaults]
        return node

    def _visit_body(self, body: Any) -> Any:
        if isinstance(body, list):
            return [self.visit(statement) for statement in body]
        return self.visit(body)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self._rename(node.name)
        return self._visit_scope(node, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return self._visit_scope(node, [ast.Expr(node.body)])

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self._rename(node.name)
        return self.generic_visit(node)


class _Budget:
    """Per-cell CPU and wall-clock limits, raised as CellLimitExceeded inside the cell.

    The CPU budget lowers the soft RLIMIT_CPU, so the kernel gets SIGXCPU. The sandbox's hard
    limit stays as the session's total. Code stuck inside one C call (a huge numpy operation)
    gets the signal only when the call returns, so the hard limit remains the backstop.
    """

    def __init__(self, cpu_seconds: float | None, wall_seconds: float | None) -> None:
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = wall_seconds
        self.saved_limit: tuple[int, int] | None = None

    def __enter__(self) -> "_Budget":
        if self.cpu_seconds:
            self.saved_limit = resource.getrlimit(resource.RLIMIT_CPU)
            soft, hard = self.saved_limit
            usage = resource.getrusage(resource.RUSAGE_SELF)
            budget = int(usage.ru_utime + usage.ru_stime + self.cpu_seconds) + 1
            if hard != resource.RLIM_INFINITY:
                budget = min(budget, hard)
            signal.signal(signal.SIGXCPU, self._cpu_exceeded)
            resource.setrlimit(resource.RLIMIT_CPU, (budget, hard))
        if self.wall_seconds:
            signal.signal(signal.SIGALRM, self._wall_exceeded)
            signal.setitimer(signal.ITIMER_REAL, self.wall_seconds)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.wall_seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if self.saved_limit is not None:
            resource.setrlimit(resource.RLIMIT_CPU, self.saved_limit)

    def _cpu_exceeded(self, signum: int, frame: object) -> None:
        raise CellLimitExceeded(
            f"The cell used more than its CPU time limit of {self.cpu_seconds:g} s and was "
            "stopped. Make the computation smaller or faster."
        )

    def _wall_exceeded(self, signum: int, frame: object) -> None:
        raise CellLimitExceeded(
            f"The cell ran longer than its time limit of {self.wall_seconds:g} s and was stopped."
        )
