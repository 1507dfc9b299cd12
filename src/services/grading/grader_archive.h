// Safe extraction of uploaded grader archives (tar, tar.gz, tar.xz, zip) with libarchive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/error.h"

namespace openlabs::grading {

struct ArchiveLimits {
  int max_entries = 5000;
  uint64_t max_total_bytes = 256ull << 20;  // uncompressed
  uint64_t max_file_bytes = 64ull << 20;
  // Uncompressed bytes per byte of the archive, checked once the archive unpacks to more than
  // 1 MiB, so that a zip bomb is stopped early. 0 turns the check off.
  uint64_t max_ratio = 0;
};

// Extracts the regular files and folders of `archive` into the existing folder `target`.
// Absolute paths, ".." segments, links and device files are rejected, as are archives beyond
// `limits` and entries whose paths clash (a file where another entry needs a folder). Entries
// under "__MACOSX/", the resource forks that macOS adds to zip files, are skipped. When every
// entry sits in one top folder and grader.toml is not at the root, that folder is stripped, so
// an archive of the folder itself works. Errors are kValidationFailed with the field "archive"
// or "archive:ENTRY" for the entry at fault, and kInternal when the disk fails.
Status ExtractArchive(std::string_view archive, const std::filesystem::path& target,
                      const ArchiveLimits& limits = {});

// A fresh folder, removed with its contents on destruction.
class ScratchDir {
 public:
  // Creates "<parent>/<prefix>-XXXXXX", under the system temp dir when `parent` is empty.
  static Result<ScratchDir> Create(std::string_view prefix,
                                   const std::filesystem::path& parent = {});
  ScratchDir(ScratchDir&& other) noexcept;
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

}  // namespace openlabs::grading
