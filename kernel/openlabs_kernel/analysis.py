"""Static analysis of cells: definitions, references and the dependency graph.

A cell's definitions ("defs") are the global names it binds at its top level: assignments,
imports, `def`, `class`, loop and `with` targets, and names that its functions declare `global`.
Its references ("refs") are the global names it reads without defining them. Names that start
with one underscore are local to their cell and are neither. These rules follow marimo's
documented reactivity model.
"""

from __future__ import annotations

import ast
import dataclasses
import heapq


@dataclasses.dataclass
class CellAnalysis:
    """The definitions and references of one cell's code."""

    defs: set[str] = dataclasses.field(default_factory=set)
    refs: set[str] = dataclasses.field(default_factory=set)
    is_async: bool = False  # the code uses top-level `await`
    syntax_error: str | None = None
    star_import: bool = False  # `from x import *`, which hides what the cell defines


def is_private(name: str) -> bool:
    """Tell whether a name is local to its cell: one leading underscore, not a dunder."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def analyze_cell(code: str) -> CellAnalysis:
    """Compute a cell's definitions and references from its code."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        return CellAnalysis(syntax_error=f"{error.msg} (line {error.lineno})")
    result = CellAnalysis()
    bound, global_in_functions, result.star_import = _bound_in_block(tree.body, top_level=True)
    cell_names = bound | global_in_functions
    visitor = _ReferenceVisitor(cell_names)
    for statement in tree.body:
        visitor.visit(statement)
    result.defs = {name for name in cell_names if not is_private(name)}
    result.refs = {name for name in visitor.refs if not is_private(name)}
    result.is_async = _uses_top_level_await(tree)
    return result


def _target_names(target: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(target) if isinstance(node, ast.Name)}


def _bound_in_block(
    statements: list[ast.stmt], top_level: bool = False
) -> tuple[set[str], set[str], bool]:
    """Return the names a block binds in its own scope, the names its nested functions declare
    global (only when `top_level`), and whether it has a star import."""
    bound: set[str] = set()
    declared_global: set[str] = set()
    star = False
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            if top_level:
                declared_global |= _global_declarations(node)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # Only walrus targets inside a comprehension bind in the enclosing scope.
            bound |= {n.target.id for n in ast.walk(node) if isinstance(n, ast.NamedExpr)}
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return bound, declared_global, star


def _global_declarations(function: ast.AST) -> set[str]:
    return {
        name
        for node in ast.walk(function)
        if isinstance(node, ast.Global)
        for name in node.names
    }


class _ReferenceVisitor(ast.NodeVisitor):
    """Collect the free names read by a cell, with Python's function and class scoping."""

    def __init__(self, cell_names: set[str]) -> None:
        self.refs: set[str] = set()
        # Innermost last. Each entry: (kind, names bound in that scope).
        self.scopes: list[tuple[str, set[str]]] = [("cell", cell_names)]

    def _resolve(self, name: str) -> None:
        innermost = len(self.scopes) - 1
        for depth in range(innermost, -1, -1):
            kind, names = self.scopes[depth]
            if kind == "class" and depth != innermost:
                continue  # class bodies are not visible from nested scopes
            if name in names:
                return
        self.refs.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._resolve(node.id)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._resolve(node.target.id)
        self.generic_visit(node)

    def _visit_function(self, node: ast.AST, body: list[ast.stmt] | ast.expr) -> None:
        args = node.args
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)
        for decorator in getattr(node, "decorator_list", []):
            self.visit(decorator)
        all_args = args.posonlyargs + args.args + args.kwonlyargs
        all_args += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in all_args:
            if arg.annotation is not None:
                self.visit(arg.annotation)
        if getattr(node, "returns", None) is not None:
            self.visit(node.returns)
        names = {arg.arg for arg in all_args}
        statements = body if isinstance(body, list) else [ast.Expr(body)]
        bound, _, _ = _bound_in_block(statements)
        declared = _global_declarations_shallow(statements)
        names |= bound - declared
        self.scopes.append(("function", names))
        for statement in statements:
            self.visit(statement)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_function(node, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_function(node, node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expression)
        bound, _, _ = _bound_in_block(node.body)
        self.scopes.append(("class", bound))
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()

    def _visit_comprehension(self, node: ast.AST, elements: list[ast.expr]) -> None:
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        names: set[str] = set()
        for generator in generators:
            names |= _target_names(generator.target)
        self.scopes.append(("function", names))
        for index, generator in enumerate(generators):
            if index > 0:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for element in elements:
            self.visit(element)
        self.scopes.pop()

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._visit_comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._visit_comprehension(node, [node.key, node.value])


def _global_declarations_shallow(statements: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _uses_top_level_await(tree: ast.Module) -> bool:
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


# ----------------------------------------------------------------------------------------------
# The dependency graph


@dataclasses.dataclass
class Graph:
    """Edges between cells, the errors that keep cells from running, and a run order."""

    # parents[c]: cells that define a name that cell c reads.
    parents: dict[str, set[str]]
    children: dict[str, set[str]]
    # Cell id -> error message, for multiply defined names and cycles.
    errors: dict[str, str]
    order: list[str]  # topological order of every cell, ties broken by page order


def build_graph(cells: list[tuple[str, CellAnalysis]]) -> Graph:
    """Build the graph of cells given as (id, analysis) pairs in page order."""
    definers: dict[str, list[str]] = {}
    for cell_id, result in cells:
        for name in result.defs:
            definers.setdefault(name, []).append(cell_id)
    parents = {cell_id: set() for cell_id, _ in cells}
    children = {cell_id: set() for cell_id, _ in cells}
    for cell_id, result in cells:
        for name in result.refs:
            for definer in definers.get(name, []):
                if definer != cell_id:
                    parents[cell_id].add(definer)
                    children[definer].add(cell_id)

    errors: dict[str, str] = {}
    for name, ids in sorted(definers.items()):
        if len(ids) > 1:
            for cell_id in ids:
                others = ", ".join(other for other in ids if other != cell_id)
                errors[cell_id] = (
                    f"The name '{name}' is defined in more than one cell (also in {others}). "
                    "Rename it, merge the cells, or prefix it with an underscore to make it "
                    "local to each cell."
                )
    for cell_id, result in cells:
        if result.star_import:
            errors[cell_id] = "`from module import *` is not allowed: import the names you use."
    page_index = {cell_id: index for index, (cell_id, _) in enumerate(cells)}
    order, cyclic = _topological_order(parents, children, page_index)
    for cell_id in cyclic:
        errors.setdefault(
            cell_id,
            "This cell is part of a cycle of cells that read each other's definitions: "
            + ", ".join(sorted(cyclic, key=page_index.get)),
        )
    return Graph(parents=parents, children=children, errors=errors, order=order)


def _topological_order(
    parents: dict[str, set[str]], children: dict[str, set[str]], page_index: dict[str, int]
) -> tuple[list[str], set[str]]:
    """Return Kahn's order (ties by page position) and the cells left over because of cycles."""
    pending = {cell_id: len(parent_ids) for cell_id, parent_ids in parents.items()}
    ready = [(page_index[c], c) for c, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, cell_id = heapq.heappop(ready)
        order.append(cell_id)
        for child in children[cell_id]:
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(ready, (page_index[child], child))
    cyclic = {cell_id for cell_id, count in pending.items() if count > 0}
    # Cells downstream of a cycle are left over too, but only the cycle's members are errors.
    members = {c for c in cyclic if _reaches(c, c, children, cyclic)}
    order += sorted(cyclic, key=page_index.get)
    return order, members


def _reaches(start: str, goal: str, children: dict[str, set[str]], within: set[str]) -> bool:
    seen: set[str] = set()
    stack = list(children[start] & within)
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(children[node] & within)
    return False


def descendants(graph: Graph, roots: set[str]) -> set[str]:
    """Return every cell that depends, directly or not, on one of `roots` (roots excluded)."""
    found: set[str] = set()
    stack = [child for root in roots for child in graph.children.get(root, ())]
    while stack:
        node = stack.pop()
        if node not in found and node not in roots:
            found.add(node)
            stack.extend(graph.children.get(node, ()))
    return found
