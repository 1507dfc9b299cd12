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

Status WriteEntry(archive* reader, const std::filesystem::path& file, uint64_t max_file_bytes,
                  uint64_t& total, uint64_t max_total_bytes, const std::string& name) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) {
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
    total += static_cast<uint64_t>(got);
    if (written > max_file_bytes) {
      return Fail(Invalid(name, "is larger than " + std::to_string(max_file_bytes >> 20) + " MiB"));
    }
    if (total > max_total_bytes) {
      return Fail(
          Invalid("", "unpacks to more than " + std::to_string(max_total_bytes >> 20) + " MiB"));
    }
    out.write(buffer, got);
  }
  out.close();
  if (!out) {
    return Fail(Error::Internal("cannot write " + file.string()));
  }
  return {};
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
  int entries = 0;
  uint64_t total = 0;
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
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name == nullptr ? "" : raw_name;
    if (++entries > limits.max_entries) {
      return Fail(Invalid("", "has more than " + std::to_string(limits.max_entries) + " entries"));
    }
    const std::filesystem::path relative = SafeRelativePath(name);
    if (relative.empty()) {
      return Fail(Invalid(name, "has an absolute path or a '..' segment"));
    }
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      std::filesystem::create_directories(target / relative);
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr) {
      return Fail(Invalid(name, "is a link or a special file; only files and folders are taken"));
    }
    if (Status written = WriteEntry(reader.get(), target / relative, limits.max_file_bytes, total,
                                    limits.max_total_bytes, name);
        !written) {
      return written;
    }
  }
  if (entries == 0) {
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
