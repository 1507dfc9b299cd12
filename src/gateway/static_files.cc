#include "gateway/static_files.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace openlabs::gateway {
namespace {

constexpr std::string_view kIndexFile = "index.html";
constexpr std::string_view kAssetsPrefix = "/assets/";

// Vite puts a content hash in every file name under /assets/, so those never change.
constexpr std::string_view kImmutableCacheControl = "public, max-age=31536000, immutable";
// Other files (index.html, favicon, robots.txt) keep their names across releases.
constexpr std::string_view kRevalidateCacheControl = "no-cache";

struct ContentTypeEntry {
  std::string_view extension;
  std::string_view content_type;
};

constexpr std::array<ContentTypeEntry, 25> kContentTypes = {{
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
}};

bool HasExtension(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return name.find('.') != std::string_view::npos;
}

// Rejects anything that could step outside the root or expose hidden files, before the path
// reaches the file system.
bool IsSafeRelativePath(std::string_view path) {
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
    return false;
  }
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    const std::string_view segment = path.substr(start, end - start);
    if (!segment.empty() && segment.front() == '.') {
      return false;
    }
    start = end + 1;
  }
  return true;
}

// realpath(3) resolves symbolic links, so the prefix check below compares the real location.
std::optional<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&free)> resolved(realpath(path.c_str(), nullptr), &free);
  if (!resolved) {
    return std::nullopt;
  }
  return std::string(resolved.get());
}

// Reads `length` bytes of an open file from `offset` with pread, and closes it when destroyed.
class FileReader final : public storage::BlobReader {
 public:
  FileReader(int fd, storage::BlobInfo info, int64_t offset, int64_t length)
      : fd_(fd), info_(std::move(info)), offset_(offset), remaining_(length), length_(length) {}
  ~FileReader() override { ::close(fd_); }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  Result<size_t> Read(char* buffer, size_t capacity) override {
    const size_t wanted = static_cast<size_t>(std::min<int64_t>(remaining_, capacity));
    if (wanted == 0) {
      return 0;
    }
    ssize_t count = 0;
    do {
      count = ::pread(fd_, buffer, wanted, static_cast<off_t>(offset_));
    } while (count < 0 && errno == EINTR);
    if (count < 0) {
      return Fail(Error::Internal("read " + info_.key + ": " + std::strerror(errno)));
    }
    offset_ += count;
    remaining_ = count == 0 ? 0 : remaining_ - count;
    return static_cast<size_t>(count);
  }

  const storage::BlobInfo& info() const override { return info_; }
  int64_t length() const override { return length_; }

 private:
  int fd_;
  storage::BlobInfo info_;
  int64_t offset_;
  int64_t remaining_;
  int64_t length_;
};

std::string HexString(uint64_t value) {
  char buffer[17];
  const int length =
      std::snprintf(buffer, sizeof(buffer), "%llx", static_cast<unsigned long long>(value));
  return std::string(buffer, static_cast<size_t>(length));
}

}  // namespace

Result<StaticFiles> StaticFiles::Open(std::string_view root) {
  const std::optional<std::string> resolved = RealPath(std::string(root));
  struct stat info {};
  if (!resolved || stat(resolved->c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return Fail(Error::InvalidArgument("The web root " + std::string(root) +
                                       " is not an existing directory."));
  }
  std::string canonical = *resolved;
  if (canonical.size() > 1 && canonical.back() == '/') {
    canonical.pop_back();
  }
  return StaticFiles(std::move(canonical));
}

std::string_view StaticFiles::ContentTypeFor(std::string_view file_name) {
  const size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) {
    return "application/octet-stream";
  }
  const std::string_view extension = file_name.substr(dot + 1);
  for (const ContentTypeEntry& entry : kContentTypes) {
    if (entry.extension.size() != extension.size()) {
      continue;
    }
    bool equal = true;
    for (size_t i = 0; i < extension.size() && equal; ++i) {
      equal = entry.extension[i] == (extension[i] | 0x20);
    }
    if (equal) {
      return entry.content_type;
    }
  }
  return "application/octet-stream";
}

Result<std::unique_ptr<storage::BlobReader>> StaticFiles::OpenReader(
    const StaticFile& file, std::optional<storage::ByteRange> range) {
  const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(Error::NotFound("No file is served at this path."));
  }
  storage::BlobInfo info;
  info.key = file.path;
  info.size = static_cast<int64_t>(file.size);
  info.etag = file.etag;
  const int64_t offset = range ? range->first : 0;
  const int64_t length = range ? range->last - range->first + 1 : info.size;
  return std::make_unique<FileReader>(fd, std::move(info), offset, length);
}

Result<StaticFile> StaticFiles::Resolve(std::string_view request_path) const {
  if (!enabled()) {
    return Fail(Error::NotFound("No file is served at this path."));
  }
  if (request_path.empty() || request_path.front() != '/' || !IsSafeRelativePath(request_path)) {
    return Fail(Error::InvalidArgument("The path is not a valid file path."));
  }

  const bool is_asset = request_path.substr(0, kAssetsPrefix.size()) == kAssetsPrefix;
  if (request_path != "/") {
    const std::optional<std::string> resolved = RealPath(root_ + std::string(request_path));
    if (resolved) {
      if (resolved->size() <= root_.size() || resolved->compare(0, root_.size(), root_) != 0 ||
          (*resolved)[root_.size()] != '/') {
        return Fail(Error::NotFound("No file is served at this path."));
      }
      Result<StaticFile> file = Describe(*resolved, is_asset);
      if (file) {
        return file;
      }
    }
    // Paths with an extension, and everything under /assets/, name files: a missing one is a
    // real 404 rather than a client-side route.
    if (is_asset || HasExtension(request_path)) {
      return Fail(Error::NotFound("No file is served at this path."));
    }
  }
  return Describe(root_ + "/" + std::string(kIndexFile), false);
}

Result<StaticFile> StaticFiles::Describe(const std::string& path, bool is_asset) const {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Fail(Error::NotFound("No file is served at this path."));
  }

  StaticFile file;
  file.path = path;
  file.size = static_cast<uint64_t>(info.st_size);
  file.content_type = std::string(ContentTypeFor(path));
  file.cache_control = std::string(is_asset ? kImmutableCacheControl : kRevalidateCacheControl);
  const uint64_t modified_ns = static_cast<uint64_t>(info.st_mtim.tv_sec) * 1000000000ULL +
                               static_cast<uint64_t>(info.st_mtim.tv_nsec);
  file.etag = "\"" + HexString(modified_ns) + "-" + HexString(file.size) + "\"";
  return file;
}

}  // namespace openlabs::gateway
