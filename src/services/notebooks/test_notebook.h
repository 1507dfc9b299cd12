// Builds a notebook file in marimo's format from cell bodies, for tests.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace openlabs::notebooks {

// Builds a notebook file from cell bodies, each cell importing what it needs itself.
inline std::string Notebook(const std::vector<std::string>& cells) {
  std::string source = "import marimo\n\napp = marimo.App()\n";
  for (const std::string& code : cells) {
    source += "\n\n@app.cell\ndef _():\n";
    size_t start = 0;
    while (start <= code.size()) {
      const size_t end = std::min(code.find('\n', start), code.size());
      source += "    " + code.substr(start, end - start) + "\n";
      start = end + 1;
    }
    source += "    return\n";
  }
  return source;
}

}  // namespace openlabs::notebooks
