"""Read and write notebooks in marimo's `.py` file format.

The file is parsed statically with `ast`, never imported or run. Each `@app.cell` function
becomes a cell whose code is the function body without its final `return` line. The signature
and the `return` tuple are bookkeeping that `export_notebook` regenerates from the analysis of the
code, as marimo does when it saves.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import tokenize
from typing import Any

from openlabs_kernel import analysis

# Cell kinds.
CELL = "cell"
FUNCTION = "function"  # @app.function: one top-level function
CLASS = "class"  # @app.class_definition: one top-level class
SETUP = "setup"  # `with app.setup:`
UNPARSABLE = "unparsable"  # app._unparsable_cell("...")

_INDENT = "    "


@dataclasses.dataclass
class Cell:
    """One cell of a notebook, in page order."""

    code: str
    name: str = "_"
    kind: str = CELL
    options: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Notebook:
    """A parsed notebook file."""

    cells: list[Cell]
    # Source text of the keyword arguments of `marimo.App(...)`, kept verbatim.
    app_arguments: str = ""
    generated_with: str = ""
    # Everything above `import marimo` (comments, a PEP 723 `# /// script` block, a docstring).
    header: str = ""


class NotebookFormatError(ValueError):
    """Raised when a file is not a marimo notebook."""


def parse_notebook(source: str) -> Notebook:
    """Parse the text of a marimo notebook file into cells, in file order."""
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        raise NotebookFormatError(f"the notebook file is not valid Python: {error}") from error
    lines = source.splitlines()
    notebook = Notebook(cells=[])
    found_app = False
    for node in module.body:
        if _is_import_marimo(node):
            notebook.header = "\n".join(lines[: _first_line(node) - 1])
        elif _is_generated_with(node):
            notebook.generated_with = node.value.value
        elif _is_app_assignment(node):
            found_app = True
            notebook.app_arguments = _call_arguments_source(source, node.value)
        elif isinstance(node, ast.With) and _is_setup_block(node):
            notebook.cells.append(
                Cell(code=_body_source(lines, node, node.body), name="setup", kind=SETUP,
                     options=_decorator_options(node.items[0].context_expr))
            )
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            cell = _decorated_cell(source, lines, node)
            if cell is not None:
                notebook.cells.append(cell)
        elif _is_unparsable_cell(node):
            notebook.cells.append(_unparsable_cell(node.value))
    if not found_app:
        raise NotebookFormatError("no `app = marimo.App(...)` assignment found: not a marimo notebook")
    return notebook


def _first_line(node: ast.AST) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _is_import_marimo(node: ast.stmt) -> bool:
    return isinstance(node, ast.Import) and [a.name for a in node.names] == ["marimo"]


def _is_generated_with(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "__generated_with"
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _is_app_assignment(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "app"
        and isinstance(node.value, ast.Call)
        and ast.unparse(node.value.func) in ("marimo.App", "App")
    )


def _call_arguments_source(source: str, call: ast.Call) -> str:
    text = ast.get_source_segment(source, call) or ""
    open_paren = text.index("(")
    return text[open_paren + 1 : -1].strip()


def _is_app_attribute(node: ast.expr, attribute: str) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (
        isinstance(target, ast.Attribute)
        and target.attr == attribute
        and isinstance(target.value, ast.Name)
        and target.value.id == "app"
    )


def _is_setup_block(node: ast.With) -> bool:
    return len(node.items) == 1 and _is_app_attribute(node.items[0].context_expr, "setup")


def _decorator_options(decorator: ast.expr) -> dict[str, Any]:
    if not isinstance(decorator, ast.Call):
        return {}
    options = {}
    for keyword in decorator.keywords:
        try:
            options[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            options[keyword.arg] = ast.unparse(keyword.value)
    return options


def _decorated_cell(source: str, lines: list[str], node: ast.stmt) -> Cell | None:
    for index, decorator in enumerate(node.decorator_list):
        if _is_app_attribute(decorator, "cell") and not isinstance(node, ast.ClassDef):
            return Cell(
                code=_cell_function_body(source, lines, node),
                name=node.name,
                options=_decorator_options(decorator),
            )
        for attribute, kind in (("function", FUNCTION), ("class_definition", CLASS)):
            if _is_app_attribute(decorator, attribute):
                return Cell(
                    code=_top_level_definition(lines, node, index),
                    name=node.name,
                    kind=kind,
                    options=_decorator_options(decorator),
                )
    return None


def _top_level_definition(lines: list[str], node: ast.stmt, app_decorator: int) -> str:
    """Return the definition's source without the `@app.function` decorator line."""
    decorators = node.decorator_list
    start = decorators[app_decorator].end_lineno
    if app_decorator > 0:
        # Decorators above marimo's one are kept: join the lines around the removed one.
        kept = lines[decorators[0].lineno - 1 : decorators[app_decorator].lineno - 1]
        return "\n".join(kept + lines[start : node.end_lineno])
    return "\n".join(lines[start : node.end_lineno])


def _header_end_line(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Return the 1-based line of the colon that ends a `def` header."""
    lines = source.splitlines(keepends=True)
    text = "".join(lines[node.lineno - 1 :])
    depth = 0
    seen_def = False
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and token.string == "def":
            seen_def = True
        elif token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif seen_def and depth == 0 and token.type == tokenize.OP and token.string == ":":
            return node.lineno + token.start[0] - 1
    return node.body[0].lineno - 1


def _cell_function_body(source: str, lines: list[str], node: ast.stmt) -> str:
    body = list(node.body)
    end = node.end_lineno
    if body and isinstance(body[-1], ast.Return):
        end = body[-1].lineno - 1
    start = _header_end_line(source, node)
    if body and body[0].lineno == start:
        # A one-line cell such as `def _(): return`.
        return ""
    return _dedent(lines[start:end])


def _body_source(lines: list[str], node: ast.stmt, body: list[ast.stmt]) -> str:
    start = node.lineno  # the line after `with app.setup:`
    return _dedent(lines[start : node.end_lineno])


def _dedent(block: list[str]) -> str:
    """Remove the body's indentation, which marimo adds to every line, strings included."""
    while block and not block[-1].strip():
        block = block[:-1]
    while block and not block[0].strip():
        block = block[1:]
    if not block:
        return ""
    first = block[0]
    indent = first[: len(first) - len(first.lstrip())]
    result = []
    for line in block:
        if line.startswith(indent):
            result.append(line[len(indent) :])
        elif not line.strip():
            result.append("")
        else:
            result.append(line.lstrip())
    return "\n".join(result)


def _is_unparsable_cell(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and _is_app_attribute(node.value, "_unparsable_cell")
    )


def _unparsable_cell(call: ast.Call) -> Cell:
    code = ast.literal_eval(call.args[0]) if call.args else ""
    options = _decorator_options(call)
    name = options.pop("name", "_")
    return Cell(code=_dedent(code.splitlines()), name=name, kind=UNPARSABLE, options=options)


# ----------------------------------------------------------------------------------------------
# Export


def export_notebook(notebook: Notebook, generated_with: str | None = None) -> str:
    """Write a notebook in marimo's file format.

    Signatures and return tuples are computed from each cell's definitions and references.
    """
    cells = [cell for cell in notebook.cells]
    analyses = [analysis.analyze_cell(cell.code) for cell in cells]
    module_names = _module_level_names(cells, analyses)
    defined_by_cells = set()
    for cell, result in zip(cells, analyses):
        if cell.kind == CELL:
            defined_by_cells |= result.defs

    parts = []
    if notebook.header:
        parts.append(notebook.header.rstrip("\n") + "\n\n")
    parts.append("import marimo\n\n")
    version = generated_with or notebook.generated_with or "0.0.0"
    parts.append(f"__generated_with = {version!r}\n".replace("'", '"'))
    parts.append(f"app = marimo.App({notebook.app_arguments})\n")
    for cell, result in zip(cells, analyses):
        parts.append("\n\n" + _export_cell(cell, result, defined_by_cells - module_names))
    parts.append('\n\nif __name__ == "__main__":\n    app.run()\n')
    return "".join(parts)


def _module_level_names(cells: list[Cell], analyses: list[analysis.CellAnalysis]) -> set[str]:
    names = set()
    for cell, result in zip(cells, analyses):
        if cell.kind in (SETUP, FUNCTION, CLASS):
            names |= result.defs
    return names


def _options_source(options: dict[str, Any]) -> str:
    if not options:
        return ""
    return "(" + ", ".join(f"{key}={value!r}" for key, value in options.items()) + ")"


def _indent(code: str) -> str:
    return "\n".join(_INDENT + line if line.strip() else "" for line in code.split("\n"))


def _export_cell(cell: Cell, result: analysis.CellAnalysis, cell_globals: set[str]) -> str:
    options = _options_source(cell.options)
    if cell.kind == SETUP:
        body = _indent(cell.code) if cell.code.strip() else _INDENT + "pass"
        return f"with app.setup{options}:\n{body}\n"
    if cell.kind == FUNCTION:
        return f"@app.function{options}\n{cell.code}\n"
    if cell.kind == CLASS:
        return f"@app.class_definition{options}\n{cell.code}\n"
    if cell.kind == UNPARSABLE or result.syntax_error:
        extra = "".join(f", {key}={value!r}" for key, value in cell.options.items())
        return f"app._unparsable_cell(\n    r{_raw_string(cell.code)},\n    name={cell.name!r}{extra}\n)\n"
    parameters = ", ".join(sorted(result.refs & cell_globals))
    defs = sorted(result.defs)
    if not defs:
        returned = "return"
    elif len(defs) == 1:
        returned = f"return ({defs[0]},)"
    else:
        returned = "return " + ", ".join(defs)
    keyword = "async def" if result.is_async else "def"
    body = _indent(cell.code) + "\n" if cell.code.strip() else ""
    return f"@app.cell{options}\n{keyword} {cell.name}({parameters}):\n{body}{_INDENT}{returned}\n"


def _raw_string(code: str) -> str:
    quote = '"""' if '"""' not in code else "'''"
    return quote + code + quote
