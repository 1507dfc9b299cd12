#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "common/call_context.h"
#include "common/error.h"
#include "services/articles/articles_service.h"
#include "storage/blob_store.h"

namespace openlabs::articles {

struct ImportSummary {
  int imported = 0;
  int skipped = 0;                    // the same PDF (by SHA-256) was imported before
  int rejected = 0;                   // each with a line in `problems`
  std::vector<std::string> problems;  // "file.pdf: reason"
};

// Imports every *.pdf file directly in `dir`, in name order, as an article uploaded by
// `uploader`. Metadata comes from `dir`/metadata.json when present: a JSON array of objects
// {"file", "title", "authors", "abstract", "tags"} (other keys are ignored); a file without an
// entry gets its name as title. Each PDF streams into the blob store under "articles/", so
// memory use while copying does not grow with file size. Writes one progress line per file to
// `progress`. Fails only when the folder or metadata.json cannot be read; a rejected file is
// counted and explained in the summary.
Result<ImportSummary> ImportArticles(const std::filesystem::path& dir, ArticlesService& articles,
                                     storage::BlobStore& blobs, const CallContext& uploader,
                                     std::ostream& progress);

}  // namespace openlabs::articles
