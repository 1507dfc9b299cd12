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
};

// Extracts the regular files and folders of `archive` into the existing folder `target`.
// Absolute paths, ".." segments, links and device files are rejected, as are archives beyond
// `limits`. When every entry sits in one top folder and grader.toml is not at the root, that
// folder is stripped, so an archive of the grader folder itself works. Errors are
// kValidationFailed with the entry at fault.
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
