#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "common/random.h"
#include "storage/blob_store.h"
#include "storage/local_blob_writer.h"

namespace openlabs::storage {
namespace {

namespace fs = std::filesystem;

class LocalBlobReader final : public BlobReader {
 public:
  LocalBlobReader(int fd, BlobInfo info, int64_t offset, int64_t length)
      : fd_(fd), info_(std::move(info)), offset_(offset), remaining_(length), length_(length) {}

  Result<size_t> Read(char* buffer, size_t capacity) override {
    if (remaining_ <= 0) {
      return 0;
    }
    const size_t wanted = static_cast<size_t>(std::min<int64_t>(remaining_, capacity));
    ssize_t count;
    do {
      count = ::pread(fd_.get(), buffer, wanted, offset_);
    } while (count < 0 && errno == EINTR);
    if (count < 0) {
      return Fail(
          Error::Internal(std::string("read blob ") + info_.key + ": " + std::strerror(errno)));
    }
    offset_ += count;
    remaining_ = count == 0 ? 0 : remaining_ - count;
    return static_cast<size_t>(count);
  }

  const BlobInfo& info() const override { return info_; }
  int64_t length() const override { return length_; }

 private:
  FileDescriptor fd_;
  BlobInfo info_;
  int64_t offset_;
  int64_t remaining_;
  int64_t length_;
};

class LocalBlobStore final : public BlobStore {
 public:
  LocalBlobStore(std::string root, LocalBlobStoreOptions options)
      : root_(std::move(root)), options_(options) {}

  Result<std::unique_ptr<BlobWriter>> OpenWriter(std::string_view key) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::InvalidArgument("invalid blob key"));
    }
    const fs::path temp_dir = root_ / ".tmp";
    std::error_code error;
    fs::create_directories(temp_dir, error);
    if (error) {
      return Fail(Error::Internal("create " + temp_dir.string() + ": " + error.message()));
    }
    return OpenLocalBlobWriter(std::string(key), root_ / key, temp_dir / NewUuid(),
                               options_.direct_io);
  }

  // Deletes the files in .tmp that no writer holds: what a crash or kill left mid-upload.
  // Returns how many files it deleted.
  int RemoveStaleTemporaryFiles() {
    const fs::path temp_dir = root_ / ".tmp";
    std::error_code error;
    int removed = 0;
    for (auto it = fs::directory_iterator(temp_dir, error);
         !error && it != fs::directory_iterator(); it.increment(error)) {
      const fs::path path = it->path();
      const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (fd.get() < 0 || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        continue;  // deleted meanwhile, or locked by a live writer
      }
      if (::unlink(path.c_str()) == 0) {
        ++removed;
      }
    }
    if (error && error != std::errc::no_such_file_or_directory) {
      spdlog::warn("Listing {} for stale temporary files failed: {}", temp_dir.string(),
                   error.message());
    }
    if (removed > 0) {
      spdlog::info("Removed {} stale temporary files of unfinished uploads from {}", removed,
                   temp_dir.string());
    }
    return removed;
  }

  Result<std::unique_ptr<BlobReader>> OpenReader(std::string_view key,
                                                 std::optional<ByteRange> range) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::NotFound("The file does not exist."));
    }
    const fs::path path = root_ / key;
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) {
        return Fail(Error::NotFound("The file does not exist."));
      }
      return Fail(IoError("open", path, errno));
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) {
      return Fail(IoError("stat", path, errno));
    }
    BlobInfo info = InfoFromStat(key, status);
    int64_t first = 0;
    int64_t length = info.size;
    if (range) {
      first = std::clamp<int64_t>(range->first, 0, info.size);
      const int64_t last = std::clamp<int64_t>(range->last, first - 1, info.size - 1);
      length = last - first + 1;
    }
    return std::make_unique<LocalBlobReader>(fd.Release(), std::move(info), first, length);
  }

  Result<BlobInfo> Stat(std::string_view key) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::NotFound("The file does not exist."));
    }
    const fs::path path = root_ / key;
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
      if (errno == ENOENT) {
        return Fail(Error::NotFound("The file does not exist."));
      }
      return Fail(IoError("stat", path, errno));
    }
    return InfoFromStat(key, status);
  }

  Status Delete(std::string_view key) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::InvalidArgument("invalid blob key"));
    }
    const fs::path path = root_ / key;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Fail(IoError("delete", path, errno));
    }
    return {};
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    std::vector<std::string> keys;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(root_, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (it->path().filename() == ".tmp") {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) {
        continue;
      }
      std::string key = fs::relative(it->path(), root_).generic_string();
      if (key.starts_with(prefix)) {
        keys.push_back(std::move(key));
      }
    }
    if (error && error != std::errc::no_such_file_or_directory) {
      return Fail(Error::Internal("list " + root_.string() + ": " + error.message()));
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

 private:
  fs::path root_;
  LocalBlobStoreOptions options_;
};

}  // namespace

bool IsValidBlobKey(std::string_view key) {
  if (key.empty() || key.size() > 512 || key.front() == '/' || key.back() == '/') {
    return false;
  }
  size_t segment_start = 0;
  for (size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '/') {
      const std::string_view segment = key.substr(segment_start, i - segment_start);
      if (segment.empty() || segment == "." || segment == ".." || segment.front() == '.') {
        return false;
      }
      segment_start = i + 1;
      continue;
    }
    const char c = key[i];
    const bool allowed =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) {
      return false;
    }
  }
  return true;
}

Result<BlobInfo> BlobStore::Put(std::string_view key, std::string_view data) {
  Result<std::unique_ptr<BlobWriter>> writer = OpenWriter(key);
  if (!writer) {
    return Fail(writer.error());
  }
  if (Status written = (*writer)->Write(data); !written) {
    return Fail(written.error());
  }
  return (*writer)->Commit();
}

Result<std::string> BlobStore::Get(std::string_view key) {
  Result<std::unique_ptr<BlobReader>> reader = OpenReader(key);
  if (!reader) {
    return Fail(reader.error());
  }
  std::string data;
  data.reserve(static_cast<size_t>((*reader)->length()));
  char buffer[64 * 1024];
  while (true) {
    Result<size_t> count = (*reader)->Read(buffer, sizeof(buffer));
    if (!count) {
      return Fail(count.error());
    }
    if (*count == 0) {
      break;
    }
    data.append(buffer, *count);
  }
  return data;
}

std::unique_ptr<BlobStore> MakeLocalBlobStore(std::string root, LocalBlobStoreOptions options) {
  auto store = std::make_unique<LocalBlobStore>(std::move(root), options);
  store->RemoveStaleTemporaryFiles();
  return store;
}

}  // namespace openlabs::storage
