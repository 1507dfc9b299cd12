#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "common/call_context.h"
#include "common/error.h"
#include "services/labs/labs_service.h"
#include "storage/blob_store.h"

namespace openlabs::labs {

struct ImportOptions {
  int64_t max_asset_bytes = int64_t{100} << 20;  // larger referenced files are left out
};

struct ImportSummary {
  int imported = 0;
  int skipped = 0;   // imported before with the same content
  int rejected = 0;  // each with a reason in the progress output
  int ignored = 0;   // README.md, MANIFEST.md and similar files, which are not labs
};

// Imports every Markdown file under `dir` as a lab by the caller in `context`:
//   - the YAML front matter is read with yaml-cpp. A front matter that is not valid YAML is
//     dropped from the body and noted in the progress line;
//   - title from front matter `title`, else the document's title heading (the only heading at
//     the highest level it uses), else the file name with '-' and '_' read as spaces;
//   - description from front matter `description`, else the first prose paragraph as plain
//     text (headings, lists, tables, HTML blocks and labels such as "Contents:" are skipped),
//     cut at a space to 300 characters;
//   - tags from front matter `tags`, else `keywords`, as a list or a comma-separated string.
//     Without them the lab has no tags: folder names are not used;
//   - every local file the Markdown references (links, images, <img src>, and quoted paths in
//     code such as 'data/x.csv') becomes an asset at the path the Markdown uses. A path that
//     starts with "/" resolves against the file's folder, then each parent folder up to `dir`,
//     as static site generators resolve it. A quoted bare file name that is missing beside the
//     file but present in its data/ folder becomes the asset "data/NAME". URLs are skipped, and
//     paths that point outside `dir` are rejected;
//   - the file's path relative to `dir` and its SHA-256 are stored on the lab, so a second
//     import skips it.
// Writes one progress line per file to `out`. Fails only when `dir` cannot be read.
Result<ImportSummary> ImportLabs(const std::filesystem::path& dir, LabsService& labs,
                                 storage::BlobStore& blobs, const CallContext& context,
                                 const ImportOptions& options, std::ostream& out);

// Copies `file` into a new blob under `key_prefix`, as the asset at `asset_path`. The size and
// SHA-256 are those that the blob writer computed, and memory stays at one chunk. The notebook
// importer uses it too.
Result<v1::NewLabAsset> StoreLocalFile(storage::BlobStore& blobs, const std::filesystem::path& file,
                                       const std::string& asset_path, std::string_view key_prefix);

// The Markdown files that ImportLabs would import, relative to `dir` and sorted.
Result<std::vector<std::filesystem::path>> FindLabFiles(const std::filesystem::path& dir);

// Local link targets in `markdown` that a renderer must resolve to assets: Markdown images and
// links and HTML src/href attributes, without URLs, anchors or query strings. Used by the
// importer and its tests.
std::vector<std::string> LocalLinkTargets(std::string_view markdown, bool images_only);

}  // namespace openlabs::labs
