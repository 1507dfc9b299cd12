#pragma once

// Parts of the local blob store shared by local_blob_store.cc and local_blob_writer.cc.

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.h"
#include "storage/blob_store.h"

namespace openlabs::storage {

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

// An internal error naming the action, the path and the errno text.
Error IoError(std::string_view action, const std::filesystem::path& path, int error_number);

// The BlobInfo of a stored blob file; sha256 stays empty.
BlobInfo InfoFromStat(std::string_view key, const struct stat& status);

// Creates the temporary file `temp_path` and returns a writer that fills it and, on Commit,
// fsyncs it and renames it to `final_path`. With `direct_io`, full blocks bypass the page cache
// (O_DIRECT); the writer falls back to buffered writes where the file system rejects that.
Result<std::unique_ptr<BlobWriter>> OpenLocalBlobWriter(std::string key,
                                                        std::filesystem::path final_path,
                                                        std::filesystem::path temp_path,
                                                        bool direct_io);

}  // namespace openlabs::storage
