#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

// A file selected for a request, with the headers that describe it.
struct StaticFile {
  std::string path;  // absolute path on disk, inside the web root
  uint64_t size = 0;
  std::string content_type;
  std::string cache_control;
  std::string etag;  // strong validator built from size and modification time
};

// Serves the built web app (a single-page app whose hashed assets sit under /assets/).
class StaticFiles {
 public:
  // Serves nothing.
  StaticFiles() = default;

  // Serves files under `root`, which must be an existing directory. Returns kInvalidArgument
  // otherwise.
  static Result<StaticFiles> Open(std::string_view root);

  bool enabled() const { return !root_.empty(); }

  // The file for a decoded request path. A path with a "." or ".." segment, a segment starting
  // with '.', or a backslash returns kInvalidArgument. A path that resolves outside the root
  // (through a symbolic link) or names a missing file with an extension returns kNotFound. Any
  // other missing path returns index.html, so that client-side routes load the app.
  Result<StaticFile> Resolve(std::string_view request_path) const;

  // The Content-Type for a file name, by extension; application/octet-stream when unknown.
  static std::string_view ContentTypeFor(std::string_view file_name);

  // Opens `file`, or `range` of it (inclusive, within file.size), for streaming it as a response
  // body. kNotFound when it can no longer be opened.
  static Result<std::unique_ptr<storage::BlobReader>> OpenReader(
      const StaticFile& file, std::optional<storage::ByteRange> range);

 private:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}

  Result<StaticFile> Describe(const std::string& path, bool is_asset) const;

  std::string root_;  // canonical, without a trailing '/'
};

}  // namespace openlabs::gateway
