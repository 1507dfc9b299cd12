#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <utility>

#include "common/random.h"
#include "storage/blob_store.h"

namespace openlabs::storage {
namespace {

namespace fs = std::filesystem;

Error IoError(std::string_view action, const fs::path& path, int error_number) {
  return Error::Internal(std::string(action) + " " + path.string() + ": " +
                         std::strerror(error_number));
}

BlobInfo InfoFromStat(std::string_view key, const struct stat& status) {
  BlobInfo info;
  info.key = std::string(key);
  info.size = status.st_size;
  info.modified_at = static_cast<int64_t>(status.st_mtim.tv_sec) * 1000 +
                     status.st_mtim.tv_nsec / 1000000;
  // Inode, size and modification time change whenever a blob is replaced by rename.
  info.etag = std::to_string(status.st_ino) + "-" + std::to_string(status.st_size) + "-" +
              std::to_string(status.st_mtim.tv_sec) + std::to_string(status.st_mtim.tv_nsec);
  return info;
}

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor() { Reset(); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = -1;
  }

 private:
  int fd_;
};

// Writes are flushed to disk in windows of this many bytes while a blob is received (see
// LocalBlobWriter::StartWriteback).
constexpr int64_t kWritebackWindowBytes = 8 << 20;

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(std::string key, fs::path final_path, fs::path temp_path, int fd)
      : key_(std::move(key)),
        final_path_(std::move(final_path)),
        temp_path_(std::move(temp_path)),
        fd_(fd) {}

  ~LocalBlobWriter() override {
    if (!committed_) {
      fd_.Reset();
      ::unlink(temp_path_.c_str());
    }
  }

  Status Write(std::string_view chunk) override {
    while (!chunk.empty()) {
      const ssize_t written = ::write(fd_.get(), chunk.data(), chunk.size());
      if (written < 0) {
        if (errno == EINTR) {
          continue;
        }
        return Fail(IoError("write", temp_path_, errno));
      }
      chunk.remove_prefix(static_cast<size_t>(written));
      bytes_written_ += written;
    }
    while (bytes_written_ - writeback_started_ >= kWritebackWindowBytes) {
      StartWriteback();
    }
    return {};
  }

  Result<BlobInfo> Commit() override {
    if (::fsync(fd_.get()) != 0) {
      return Fail(IoError("fsync", temp_path_, errno));
    }
    fd_.Reset();
    std::error_code error;
    fs::create_directories(final_path_.parent_path(), error);
    if (error) {
      return Fail(Error::Internal("create " + final_path_.parent_path().string() + ": " +
                                  error.message()));
    }
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      return Fail(IoError("rename to", final_path_, errno));
    }
    committed_ = true;
    SyncDirectory(final_path_.parent_path());

    struct stat status {};
    if (::stat(final_path_.c_str(), &status) != 0) {
      return Fail(IoError("stat", final_path_, errno));
    }
    return InfoFromStat(key_, status);
  }

  int64_t bytes_written() const override { return bytes_written_; }

 private:
  // Starts writing the next full window to disk without waiting, then waits for the window
  // before it and drops that one from the page cache. Without this, a large upload leaves all of
  // its pages dirty until the fsync in Commit, which then writes them all at once while the
  // client waits, and the dirty pages crowd other data out of the page cache. Failures are
  // ignored here because the fsync in Commit reports any write error.
  void StartWriteback() {
    const int64_t window = writeback_started_;
    ::sync_file_range(fd_.get(), window, kWritebackWindowBytes, SYNC_FILE_RANGE_WRITE);
    writeback_started_ += kWritebackWindowBytes;
    if (window >= kWritebackWindowBytes) {
      const int64_t previous = window - kWritebackWindowBytes;
      ::sync_file_range(fd_.get(), previous, kWritebackWindowBytes,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                            SYNC_FILE_RANGE_WAIT_AFTER);
      ::posix_fadvise(fd_.get(), previous, kWritebackWindowBytes, POSIX_FADV_DONTNEED);
    }
  }

  // Makes the rename durable; a failure here is not fatal because the data is already synced.
  static void SyncDirectory(const fs::path& directory) {
    FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() >= 0) {
      ::fsync(fd.get());
    }
  }

  std::string key_;
  fs::path final_path_;
  fs::path temp_path_;
  FileDescriptor fd_;
  int64_t bytes_written_ = 0;
  // Bytes from the start of the file for which writeback has been started.
  int64_t writeback_started_ = 0;
  bool committed_ = false;
};

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
      return Fail(Error::Internal(std::string("read blob ") + info_.key + ": " +
                                  std::strerror(errno)));
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
  explicit LocalBlobStore(std::string root) : root_(std::move(root)) {}

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
    const fs::path temp_path = temp_dir / NewUuid();
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
      return Fail(IoError("create", temp_path, errno));
    }
    return std::make_unique<LocalBlobWriter>(std::string(key), root_ / key, temp_path, fd);
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
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                         c == '_' || c == '-';
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

std::unique_ptr<BlobStore> MakeLocalBlobStore(std::string root) {
  return std::make_unique<LocalBlobStore>(std::move(root));
}

}  // namespace openlabs::storage
