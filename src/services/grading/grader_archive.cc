#include "services/grading/grader_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>

namespace openlabs::grading {
namespace {

struct ArchiveCloser {
  void operator()(archive* handle) const { archive_read_free(handle); }
};

Error Invalid(const std::string& entry, const std::string& message) {
  return Error::Validation({{entry.empty() ? "archive" : "archive:" + entry, message}});
}

// The entry's path if it is a safe relative path, else an empty path.
std::filesystem::path SafeRelativePath(const std::string& name) {
  const std::filesystem::path path = std::filesystem::path(name).lexically_normal();
  if (name.empty() || path.is_absolute() || name.find('\\') != std::string::npos) {
    return {};
  }
  for (const auto& part : path) {
    if (part == "..") {
      return {};
    }
  }
  return path;
}

// Moves the contents of a single top folder up when grader.toml is not at the root.
Status StripSingleTopFolder(const std::filesystem::path& target) {
  std::error_code error;
  if (std::filesystem::exists(target / "grader.toml", error)) {
    return {};
  }
  std::filesystem::path only;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(target, error)) {
    only = entry.path();
    ++count;
  }
  if (count != 1 || !std::filesystem::is_directory(only, error)) {
    return {};
  }
  const std::filesystem::path moved = target / ".openlabs-top";
  std::filesystem::rename(only, moved, error);
  for (const auto& entry : std::filesystem::directory_iterator(moved, error)) {
    std::filesystem::rename(entry.path(), target / entry.path().filename(), error);
  }
  std::filesystem::remove_all(moved, error);
  if (error) {
    return Fail(Error::Internal("cannot flatten the grader archive: " + error.message()));
  }
  return {};
}

// A size for messages: whole MiB when it is a multiple of one, else bytes.
std::string FormatBytes(uint64_t bytes) {
  constexpr uint64_t kMiB = 1 << 20;
  if (bytes >= kMiB && bytes % kMiB == 0) {
    return std::to_string(bytes / kMiB) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

// The bytes unpacked so far, against the limits of the whole archive.
struct UnpackBudget {
  const ArchiveLimits& limits;
  uint64_t archive_bytes = 0;
  uint64_t total = 0;
  int entries = 0;

  // Adds `bytes` of the entry and checks the total size and the compression ratio.
  Status Add(uint64_t bytes) {
    constexpr uint64_t kRatioFloorBytes = 1 << 20;
    total += bytes;
    if (total > limits.max_total_bytes) {
      return Fail(Invalid("", "unpacks to more than " + FormatBytes(limits.max_total_bytes)));
    }
    if (limits.max_ratio != 0 && total > kRatioFloorBytes &&
        total / limits.max_ratio > archive_bytes) {
      return Fail(Invalid("", "unpacks to more than " + std::to_string(limits.max_ratio) +
                                  " times its own size, so it is taken for a zip bomb"));
    }
    return {};
  }
};

// True when a path that the entry needs is taken by the wrong kind of file: an earlier file
// entry where this one needs a folder, or a folder where this file entry goes.
bool ClashesWithEarlierEntry(const std::filesystem::path& target,
                             const std::filesystem::path& relative, bool is_folder) {
  std::error_code error;
  std::filesystem::path prefix = target;
  for (const auto& part : relative.parent_path()) {
    prefix /= part;
    if (std::filesystem::exists(prefix, error) && !std::filesystem::is_directory(prefix, error)) {
      return true;
    }
  }
  const std::filesystem::path path = target / relative;
  return std::filesystem::exists(path, error) &&
         std::filesystem::is_directory(path, error) != is_folder;
}

Status WriteEntry(archive* reader, const std::filesystem::path& file, const std::string& name,
                  UnpackBudget& budget) {
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (error || !out) {
    return Fail(Error::Internal("cannot create " + file.string()));
  }
  uint64_t written = 0;
  char buffer[65536];
  for (;;) {
    const la_ssize_t got = archive_read_data(reader, buffer, sizeof(buffer));
    if (got == 0) {
      break;
    }
    if (got < 0) {
      return Fail(Invalid(name, std::string("cannot be read: ") + archive_error_string(reader)));
    }
    written += static_cast<uint64_t>(got);
    if (written > budget.limits.max_file_bytes) {
      return Fail(Invalid(name, "is larger than " + FormatBytes(budget.limits.max_file_bytes)));
    }
    if (Status within = budget.Add(static_cast<uint64_t>(got)); !within) {
      return within;
    }
    out.write(buffer, got);
  }
  out.close();
  if (!out) {
    return Fail(Error::Internal("cannot write " + file.string()));
  }
  return {};
}

// Checks one entry and writes it below `target`, or skips it.
Status ExtractEntry(archive* reader, archive_entry* entry, const std::filesystem::path& target,
                    UnpackBudget& budget) {
  const char* raw_name = archive_entry_pathname(entry);
  const std::string name = raw_name == nullptr ? "" : raw_name;
  if (++budget.entries > budget.limits.max_entries) {
    return Fail(
        Invalid("", "has more than " + std::to_string(budget.limits.max_entries) + " entries"));
  }
  const std::filesystem::path relative = SafeRelativePath(name);
  if (relative.empty()) {
    return Fail(Invalid(name, "has an absolute path or a '..' segment"));
  }
  if (*relative.begin() == "__MACOSX") {
    return {};
  }
  const mode_t type = archive_entry_filetype(entry);
  if ((type != AE_IFDIR && type != AE_IFREG) || archive_entry_hardlink(entry) != nullptr) {
    return Fail(Invalid(name, "is a link or a special file; only files and folders are taken"));
  }
  if (type == AE_IFREG && !relative.has_filename()) {
    return Fail(Invalid(name, "is a file whose name ends in '/'"));
  }
  if (ClashesWithEarlierEntry(target, relative, type == AE_IFDIR)) {
    return Fail(Invalid(name,
                        "clashes with an earlier entry that is a file where this one "
                        "needs a folder, or the other way round"));
  }
  if (type == AE_IFDIR) {
    std::error_code error;
    std::filesystem::create_directories(target / relative, error);
    if (error) {
      return Fail(Error::Internal("cannot create " + (target / relative).string() + ": " +
                                  error.message()));
    }
    return {};
  }
  return WriteEntry(reader, target / relative, name, budget);
}

}  // namespace

Status ExtractArchive(std::string_view data, const std::filesystem::path& target,
                      const ArchiveLimits& limits) {
  std::unique_ptr<archive, ArchiveCloser> reader(archive_read_new());
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_format_zip(reader.get());
  archive_read_support_format_gnutar(reader.get());
  if (archive_read_open_memory(reader.get(), data.data(), data.size()) != ARCHIVE_OK) {
    return Fail(Invalid("", "is not a tar or zip archive"));
  }
  UnpackBudget budget{.limits = limits, .archive_bytes = data.size()};
  archive_entry* entry = nullptr;
  for (;;) {
    const int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) {
      break;
    }
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      return Fail(
          Invalid("", std::string("cannot be read: ") + archive_error_string(reader.get())));
    }
    if (Status extracted = ExtractEntry(reader.get(), entry, target, budget); !extracted) {
      return extracted;
    }
  }
  if (budget.entries == 0) {
    return Fail(Invalid("", "is empty"));
  }
  return StripSingleTopFolder(target);
}

Result<ScratchDir> ScratchDir::Create(std::string_view prefix,
                                      const std::filesystem::path& parent) {
  std::error_code error;
  const std::filesystem::path base =
      parent.empty() ? std::filesystem::temp_directory_path(error) : parent;
  std::string pattern = (base / (std::string(prefix) + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return Fail(Error::Internal("cannot create a temporary folder " + pattern));
  }
  return ScratchDir(pattern);
}

ScratchDir::ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

ScratchDir::~ScratchDir() {
  if (!path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
}

}  // namespace openlabs::grading
