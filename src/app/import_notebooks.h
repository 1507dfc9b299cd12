#pragma once

#include <cstdint>
#include <string>

#include "common/config.h"

namespace openlabs::app {

// The parent of the notebooks that `openlabs import notebooks` attaches: one lab, one article,
// or a new lab per notebook when both ids are 0.
struct NotebookImportTarget {
  int64_t lab_id = 0;
  int64_t article_id = 0;
};

// Runs `openlabs import notebooks DIR` on `config`'s storage, as the user `author` (the default
// "importer" is created when missing). Writes one line per file and a summary to standard
// output. Returns the process exit code: 0 when every notebook was imported or skipped, 1 when
// a file was rejected or importing failed, 2 for an unusable author, lab or article.
int RunNotebookImport(const Config& config, const std::string& dir, const std::string& author,
                      const NotebookImportTarget& target);

}  // namespace openlabs::app
