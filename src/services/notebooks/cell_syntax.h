// The check that decides which cells marimo would write as `app._unparsable_cell(...)`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace openlabs::notebooks {

// Parses cell code with Python's own parser, without running it. The token analysis of
// cell_analysis.h misses syntax errors that tokenize cleanly (`x = = 1`), so the notebooks
// service calls this before it stores cells. Implementations are thread-safe.
class CellSyntaxChecker {
 public:
  virtual ~CellSyntaxChecker() = default;

  // For each code, in order: nullopt when it parses as a cell (top-level `await` allowed), else
  // the parser's message. Fails when the check itself could not run.
  virtual Result<std::vector<std::optional<std::string>>> Check(
      const std::vector<std::string>& codes) = 0;
};

}  // namespace openlabs::notebooks
