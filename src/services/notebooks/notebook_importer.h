// `openlabs import notebooks DIR`: every marimo notebook under a folder, with the files its
// cells open, stored as notebooks of a lab or an article.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "common/call_context.h"
#include "common/error.h"
#include "services/notebooks/notebooks_service.h"
#include "storage/blob_store.h"

namespace openlabs::notebooks {

// The facts about a notebook that the importer has before storing it, for choosing its parent.
struct NotebookDraft {
  std::string source_key;  // the file's path relative to the import folder
  std::string title;
  std::string first_markdown;  // the text of its first Markdown cell, or empty
};

// The parent of a notebook, with a `description` for the progress line, e.g. "new lab 12".
struct NotebookParent {
  std::string type;  // "lab" or "article"
  int64_t id = 0;
  std::string description;
};

// Chooses (or creates) the parent of each notebook.
using ParentChooser = std::function<Result<NotebookParent>(const NotebookDraft&)>;

struct NotebookImportOptions {
  int64_t max_asset_bytes = int64_t{100} << 20;  // larger referenced files are left out
  int64_t max_file_bytes = int64_t{4} << 20;     // larger notebook files are rejected
};

struct NotebookImportSummary {
  int imported = 0;
  int skipped = 0;   // imported before into the same parent, with the same content
  int rejected = 0;  // each with a reason in the progress output
  int ignored = 0;   // .py files that are not marimo notebooks
};

// Imports every `.py` file under `dir` (sorted, hidden folders left out) that is a marimo
// notebook, as a notebook by the caller in `context`:
//   - title from the first Markdown heading, else the app_title argument, else the file name;
//   - every string literal in a cell that names an existing file relative to the notebook's
//     folder (such as "data/points.csv") becomes an asset at that path. Paths that leave `dir`
//     are left out;
//   - the file's path relative to `dir` and its SHA-256 are stored, so a second import into the
//     same parent skips it, and reports it when its content changed.
// Writes one progress line per file to `out`. Fails only when `dir` cannot be read.
Result<NotebookImportSummary> ImportNotebooks(const std::filesystem::path& dir,
                                              NotebooksService& notebooks,
                                              storage::BlobStore& blobs, const CallContext& context,
                                              const ParentChooser& choose_parent,
                                              const NotebookImportOptions& options,
                                              std::ostream& out);

}  // namespace openlabs::notebooks
