// Reading and writing notebooks in marimo's `.py` file format, in C++, so that the server never
// runs Python to store a notebook. The rules follow marimo's own reader and writer
// (`marimo/_ast/parse.py` and `marimo/_ast/codegen.py` in marimo's repository). A cell is the
// body of an `@app.cell` function without its final `return`. marimo's reader ignores the
// signature and the `return` line, and its writer derives them from the cells' code. The writer
// here derives them the same way, and a test compares its output with marimo's on real files.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::notebooks {

// Cell kinds of the marimo format.
inline constexpr std::string_view kCellKind = "cell";              // @app.cell
inline constexpr std::string_view kFunctionKind = "function";      // @app.function
inline constexpr std::string_view kClassKind = "class";            // @app.class_definition
inline constexpr std::string_view kSetupKind = "setup";            // with app.setup:
inline constexpr std::string_view kUnparsableKind = "unparsable";  // app._unparsable_cell(...)

inline constexpr std::string_view kDefaultCellName = "_";

struct MarimoCell {
  std::string kind = std::string(kCellKind);
  std::string name = std::string(kDefaultCellName);
  std::string code;  // the cell's source as marimo's editor shows it
  // Decorator options such as hide_code, disabled and column: a JSON object whose values are
  // booleans, numbers, strings or null (marimo accepts only Python literals there).
  nlohmann::json options = nlohmann::json::object();
};

struct MarimoNotebook {
  // Text above `import marimo`: comments, a docstring, a PEP 723 `# /// script` block.
  std::string header;
  std::string generated_with;     // the marimo version that wrote the file; may be empty
  std::string app_arguments;      // the source of marimo.App(...)'s arguments, kept verbatim
  std::vector<MarimoCell> cells;  // in page order; a setup cell is always first
};

struct ParsedNotebook {
  MarimoNotebook notebook;
  // One message per top-level statement that belongs to no cell and was left out, with its
  // line number. marimo drops such statements too when it saves.
  std::vector<std::string> warnings;
};

// Parses a marimo notebook file. kInvalidArgument gives the reason when the text is not one:
// not tokenizable Python, no `app = marimo.App(...)`, a cell without a valid name, or a cell
// option that is not a literal. A cell whose own code is not well-formed (CellNames) is read
// as an unparsable cell, with a warning.
Result<ParsedNotebook> ParseMarimoFile(std::string_view source);

// Writes the notebook in marimo's format. Signatures and return tuples are computed from the
// cells' code as marimo computes them. A cell whose code is not well-formed (CellNames) is
// written as `app._unparsable_cell(...)`, as marimo writes cells it cannot parse.
std::string ExportMarimoFile(const MarimoNotebook& notebook);

// The Markdown text of a cell that is only `mo.md("...")` with a plain string literal (raw or
// not, but not an f-string), dedented and trimmed as marimo's editor shows it. Returns nullopt
// for any other cell.
std::optional<std::string> MarkdownOfCell(std::string_view code);

// The code of a Markdown cell showing `markdown`: `mo.md(r"""...""")`, or an escaped literal
// when the text cannot be written raw.
std::string MarkdownCellCode(std::string_view markdown);

// Converts a Python literal's source (True, False, None, a number or a string) to JSON.
// kInvalidArgument for anything else.
Result<nlohmann::json> PythonLiteralToJson(std::string_view source);

// The Python source of a JSON scalar: True, False, None, a number or a double-quoted string.
std::string JsonToPythonLiteral(const nlohmann::json& value);

}  // namespace openlabs::notebooks
