// Static analysis of one notebook cell: the global names it binds ("defs") and reads ("refs"),
// by marimo's rules, computed from tokens without running or importing anything.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace openlabs::notebooks {

struct CellNames {
  // Global names the cell binds at its top level: assignment, `for` and `with` targets,
  // imports, `def` and `class` names, walrus targets, and names its functions declare `global`.
  // Names local to the cell (one leading underscore, not dunder) are left out.
  std::set<std::string> defs;
  // Global names the cell reads but does not bind, builtins included. Names bound in an inner
  // scope (parameters, locals of functions, lambda and comprehension variables) are left out.
  std::set<std::string> refs;
  bool is_async = false;  // the cell awaits at its top level, so marimo writes `async def`
  // False when the code is not tokenizable Python, or indents a line that follows no ":".
  bool well_formed = true;
};

// Analyses `code`. The analysis works on tokens, not on a syntax tree.
// NOTE: it does not detect syntax errors that tokenize cleanly (such as `x = = 1`), so the
// notebooks service calls Python's parser through CellSyntaxChecker (cell_syntax.h) before it
// stores cells. `match` statement captures are read as references.
CellNames AnalyzeCell(std::string_view code);

// True for a name that is local to its cell in marimo: one leading underscore, not a dunder.
bool IsCellPrivateName(std::string_view name);

// True when `name` is one of Python 3.11's builtins (`dir(builtins)`).
bool IsPythonBuiltin(std::string_view name);

}  // namespace openlabs::notebooks
