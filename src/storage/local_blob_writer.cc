#include "storage/local_blob_writer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "common/random.h"
#include "storage/digest.h"

namespace openlabs::storage {
namespace {

namespace fs = std::filesystem;

// The writer copies incoming bytes into buffers of this size. Each buffer is hashed on one thread
// (in pieces, see kHashPieceBytes) and, once full, written on another, while the caller fills the
// next, so receiving, hashing and the disk overlap. The disk thread writes all the buffers waiting
// for it in one call, because O_DIRECT writes of a few MiB at a time leave the disk idle between
// them. With dd on a 2-core test machine, 2 MiB writes reached about 650 MB/s and 16 MiB writes 1.0
// to 1.5 GB/s (one measurement, not a property of every disk). Memory per writer stays at most
// kMaxBuffers * kBufferBytes (12 MiB).
constexpr size_t kBufferBytes = 2 << 20;
constexpr size_t kMaxBuffers = 6;
// O_DIRECT needs the memory address, the file offset and the length aligned to the logical block
// size of the device. 4096 covers the common sizes, 512 and 4096; where it does not, O_DIRECT
// fails with EINVAL and the writer goes through the page cache.
constexpr size_t kDirectAlignment = 4096;
// In buffered mode, writes are flushed to disk in windows of this many bytes (see
// StartWriteback).
constexpr int64_t kWritebackWindowBytes = 8 << 20;
// The hasher gets the buffer being filled in pieces of this size, not only whole buffers, so it
// starts on each piece as soon as the caller has copied it. In a 1 GiB upload on a loaded 2-core
// machine, whole 2 MiB buffers left the hasher, the slowest step, waiting for a CPU for most of
// the upload. With 256 KiB pieces the upload ran 5 to 10% faster
// (bench/upload-side-by-side-d787999.md).
// NOTE: this was measured under load from other processes only, not on an idle machine.
constexpr size_t kHashPieceBytes = 256 << 10;

// One staging buffer. The memory comes from mmap, so it is page-aligned and goes back to the
// system when the writer ends, whatever malloc's thresholds are.
struct Buffer {
  char* data = nullptr;
  size_t size = 0;
  size_t hash_queued = 0;  // bytes from the start already queued for the hasher
  int users = 0;           // the hasher and the disk writer, until each is done with the buffer
};

// A range of a buffer for the hasher. The last piece of a buffer releases it.
struct HashPiece {
  Buffer* buffer = nullptr;
  size_t begin = 0;
  size_t end = 0;
  bool last = false;
};

char* MapBuffer() {
  void* memory =
      ::mmap(nullptr, kBufferBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return memory == MAP_FAILED ? nullptr : static_cast<char*>(memory);
}

class LocalBlobWriter final : public BlobWriter {
 public:
  LocalBlobWriter(std::string key, fs::path final_path, fs::path temp_path, int fd, bool direct)
      : key_(std::move(key)),
        final_path_(std::move(final_path)),
        temp_path_(std::move(temp_path)),
        fd_(fd),
        direct_(direct),
        sha256_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(sha256_, EVP_sha256(), nullptr);
    buffers_.reserve(kMaxBuffers);  // the queues hold pointers into buffers_
  }

  ~LocalBlobWriter() override {
    StopThreads();
    for (Buffer& buffer : buffers_) {
      ::munmap(buffer.data, kBufferBytes);
    }
    EVP_MD_CTX_free(sha256_);
    if (!committed_) {
      fd_.Reset();
      ::unlink(temp_path_.c_str());
    }
  }

  Status Write(std::string_view chunk) override {
    if (std::optional<Error> failed = FirstError()) {
      return Fail(std::move(*failed));
    }
    while (!chunk.empty()) {
      if (filling_ == nullptr) {
        Result<Buffer*> buffer = TakeFreeBuffer();
        if (!buffer) {
          return Fail(buffer.error());
        }
        filling_ = *buffer;
      }
      const size_t count = std::min(chunk.size(), kBufferBytes - filling_->size);
      std::memcpy(filling_->data + filling_->size, chunk.data(), count);
      filling_->size += count;
      chunk.remove_prefix(count);
      bytes_written_ += static_cast<int64_t>(count);
      if (filling_->size == kBufferBytes) {
        Submit(std::exchange(filling_, nullptr));
      } else if (threads_started_) {
        QueueHashPieces();
      }
    }
    return {};
  }

  Result<BlobInfo> Commit() override {
    if (filling_ != nullptr) {
      Submit(std::exchange(filling_, nullptr));
    }
    WaitUntilWritten();
    StopThreads();
    if (error_) {
      return Fail(*error_);
    }

    if (::fsync(fd_.get()) != 0) {
      return Fail(IoError("fsync", temp_path_, errno));
    }
    std::error_code error;
    fs::create_directories(final_path_.parent_path(), error);
    if (error) {
      return Fail(
          Error::Internal("create " + final_path_.parent_path().string() + ": " + error.message()));
    }
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      return Fail(IoError("rename to", final_path_, errno));
    }
    // The flock on the temporary file lasts until it has its final name (see
    // OpenLocalBlobWriter).
    fd_.Reset();
    committed_ = true;
    SyncDirectory(final_path_.parent_path());

    struct stat status {};
    if (::stat(final_path_.c_str(), &status) != 0) {
      return Fail(IoError("stat", final_path_, errno));
    }
    BlobInfo info = InfoFromStat(key_, status);
    info.sha256 = HexDigest(sha256_);
    return info;
  }

  int64_t bytes_written() const override { return bytes_written_; }

 private:
  std::optional<Error> FirstError() {
    std::lock_guard lock(mutex_);
    return error_;
  }

  // A buffer to fill: a free one, a new one while fewer than kMaxBuffers exist, or else the first
  // one the disk thread gives back.
  Result<Buffer*> TakeFreeBuffer() {
    std::unique_lock lock(mutex_);
    if (free_.empty() && buffers_.size() < kMaxBuffers) {
      char* data = MapBuffer();
      if (data == nullptr) {
        return Fail(Error::Internal("allocating a blob write buffer failed: " +
                                    std::string(std::strerror(errno))));
      }
      buffers_.push_back(Buffer{data, 0, 0, 0});
      return &buffers_.back();
    }
    changed_.wait(lock, [this] { return !free_.empty() || error_.has_value(); });
    if (error_) {
      return Fail(*error_);
    }
    Buffer* buffer = free_.front();
    free_.pop_front();
    return buffer;
  }

  // Queues a buffer for hashing and writing. The first full buffer starts the two threads, so a
  // small blob is hashed and written on the calling thread in Commit.
  void Submit(Buffer* buffer) {
    if (buffer->size == kBufferBytes && !threads_started_ && !threads_failed_) {
      StartThreads();
    }
    if (!threads_started_) {
      Process(*buffer);
      buffer->size = 0;
      std::lock_guard lock(mutex_);
      free_.push_back(buffer);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      buffer->users = 2;
      to_hash_.push_back(HashPiece{buffer, buffer->hash_queued, buffer->size, true});
      buffer->hash_queued = buffer->size;
      to_write_.push_back(buffer);
    }
    changed_.notify_all();
  }

  // Queues the full pieces of filling_ that the hasher has not got yet. The caller goes on
  // filling the buffer past them, which the hasher does not read.
  void QueueHashPieces() {
    if (filling_->size - filling_->hash_queued < kHashPieceBytes) {
      return;
    }
    {
      std::lock_guard lock(mutex_);
      while (filling_->size - filling_->hash_queued >= kHashPieceBytes) {
        const size_t begin = filling_->hash_queued;
        to_hash_.push_back(HashPiece{filling_, begin, begin + kHashPieceBytes, false});
        filling_->hash_queued += kHashPieceBytes;
      }
    }
    changed_.notify_all();
  }

  // Gives a buffer back once both the hasher and the disk writer are done with it. Called with
  // mutex_ held.
  void Release(Buffer* buffer) {
    if (--buffer->users == 0) {
      buffer->size = 0;
      buffer->hash_queued = 0;
      free_.push_back(buffer);
    }
  }

  // Hashes and writes one buffer on the calling thread.
  void Process(const Buffer& buffer) {
    EVP_DigestUpdate(sha256_, buffer.data, buffer.size);
    if (error_) {
      return;
    }
    if (Status written = WriteOut(std::string_view(buffer.data, buffer.size)); !written) {
      error_ = written.error();
    }
  }

  void StartThreads() {
    try {
      hasher_ = std::thread([this] { RunHasher(); });
      disk_writer_ = std::thread([this] { RunDiskWriter(); });
      threads_started_ = true;
    } catch (const std::system_error& error) {
      spdlog::warn("Writing blob {} on the calling thread: starting a thread failed: {}", key_,
                   error.what());
      StopThreads();
      threads_failed_ = true;
    }
  }

  void StopThreads() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    if (hasher_.joinable()) {
      hasher_.join();
    }
    if (disk_writer_.joinable()) {
      disk_writer_.join();
    }
    threads_started_ = false;
  }

  // Waits until every submitted buffer has been hashed and written.
  void WaitUntilWritten() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return free_.size() == buffers_.size(); });
  }

  void RunHasher() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return !to_hash_.empty() || stopping_; });
      if (stopping_) {
        return;
      }
      const HashPiece piece = to_hash_.front();
      to_hash_.pop_front();
      lock.unlock();
      EVP_DigestUpdate(sha256_, piece.buffer->data + piece.begin, piece.end - piece.begin);
      lock.lock();
      if (piece.last) {
        Release(piece.buffer);
      }
      changed_.notify_all();
    }
  }

  void RunDiskWriter() {
    std::vector<Buffer*> batch;
    batch.reserve(kMaxBuffers);
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return !to_write_.empty() || stopping_; });
      if (stopping_) {
        return;
      }
      batch.assign(to_write_.begin(), to_write_.end());
      to_write_.clear();
      const bool failed = error_.has_value();
      lock.unlock();
      Status written;
      if (!failed) {
        written = WriteBatch(batch);
      }
      lock.lock();
      if (!written && !error_) {
        error_ = written.error();
      }
      for (Buffer* buffer : batch) {
        Release(buffer);
      }
      changed_.notify_all();
    }
  }

  // Writes consecutive buffers at offset_: the full ones in one call, then a partial last one.
  Status WriteBatch(const std::vector<Buffer*>& batch) {
    std::array<iovec, kMaxBuffers> vectors;
    size_t count = 0;
    while (count < batch.size() && batch[count]->size == kBufferBytes) {
      vectors[count] = iovec{batch[count]->data, kBufferBytes};
      ++count;
    }
    if (Status written = WriteAligned(vectors.data(), count); !written) {
      return written;
    }
    for (size_t i = count; i < batch.size(); ++i) {
      if (Status written = WriteOut(std::string_view(batch[i]->data, batch[i]->size)); !written) {
        return written;
      }
    }
    return {};
  }

  // Writes block-aligned pieces at offset_ with O_DIRECT. Where the file system rejects O_DIRECT
  // for this file (EINVAL), or a short write leaves an unaligned offset, the rest goes through the
  // page cache.
  Status WriteAligned(iovec* vectors, size_t count) {
    size_t first = 0;
    while (first < count && direct_) {
      const ssize_t written =
          ::pwritev(fd_.get(), vectors + first, static_cast<int>(count - first), offset_);
      if (written < 0) {
        if (errno == EINTR) {
          continue;
        }
        if (errno != EINVAL) {
          return Fail(IoError("write", temp_path_, errno));
        }
        WarnDirectFailed();
        StopDirect();
        break;
      }
      if (written == 0) {
        return Fail(IoError("write", temp_path_, EIO));
      }
      offset_ += written;
      for (size_t left = static_cast<size_t>(written); left > 0;) {
        const size_t used = std::min(left, vectors[first].iov_len);
        vectors[first].iov_base = static_cast<char*>(vectors[first].iov_base) + used;
        vectors[first].iov_len -= used;
        left -= used;
        if (vectors[first].iov_len == 0) {
          ++first;
        }
      }
      if (offset_ % kDirectAlignment != 0) {
        StopDirect();
      }
    }
    for (; first < count; ++first) {
      const std::string_view data(static_cast<const char*>(vectors[first].iov_base),
                                  vectors[first].iov_len);
      if (Status written = WriteBuffered(data); !written) {
        return written;
      }
    }
    return {};
  }

  // Writes the next bytes of the blob at offset_. Only the last buffer of a blob can end in a
  // partial block, so once a partial block goes through the page cache, nothing follows it.
  Status WriteOut(std::string_view data) {
    if (direct_) {
      const size_t aligned = data.size() / kDirectAlignment * kDirectAlignment;
      if (aligned > 0) {
        iovec vector{const_cast<char*>(data.data()), aligned};
        if (Status written = WriteAligned(&vector, 1); !written) {
          return written;
        }
      }
      data.remove_prefix(aligned);
      if (!data.empty()) {
        StopDirect();
      }
    }
    return WriteBuffered(data);
  }

  Status WriteBuffered(std::string_view data) {
    if (data.empty()) {
      return {};
    }
    while (!data.empty()) {
      const ssize_t written = ::pwrite(fd_.get(), data.data(), data.size(), offset_);
      if (written < 0) {
        if (errno == EINTR) {
          continue;
        }
        return Fail(IoError("write", temp_path_, errno));
      }
      data.remove_prefix(static_cast<size_t>(written));
      offset_ += written;
    }
    while (offset_ - writeback_started_ >= kWritebackWindowBytes) {
      StartWriteback();
    }
    return {};
  }

  void WarnDirectFailed() {
    static std::once_flag warned;
    std::call_once(warned, [this] {
      spdlog::warn(
          "Writing blob {} through the page cache: O_DIRECT failed with EINVAL; "
          "this is logged once per process",
          key_);
    });
  }

  void StopDirect() {
    if (!direct_) {
      return;
    }
    direct_ = false;
    const int flags = ::fcntl(fd_.get(), F_GETFL);
    if (flags >= 0) {
      ::fcntl(fd_.get(), F_SETFL, flags & ~O_DIRECT);
    }
    // Bytes written with O_DIRECT need no writeback from the page cache.
    writeback_started_ = offset_;
  }

  // Starts writing the next full window to disk without waiting, then waits for the window
  // before it and drops that one from the page cache. Without this, a large blob written
  // through the page cache leaves all of its pages dirty until the fsync in Commit, which then
  // writes them all at once while the client waits. Failures are ignored here because the fsync
  // in Commit reports any write error.
  void StartWriteback() {
    const int64_t window = writeback_started_;
    ::sync_file_range(fd_.get(), window, kWritebackWindowBytes, SYNC_FILE_RANGE_WRITE);
    writeback_started_ += kWritebackWindowBytes;
    if (window >= kWritebackWindowBytes) {
      const int64_t previous = window - kWritebackWindowBytes;
      ::sync_file_range(
          fd_.get(), previous, kWritebackWindowBytes,
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
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
  // Touched by the disk writer thread while it runs, otherwise by the calling thread.
  bool direct_;
  int64_t offset_ = 0;
  int64_t writeback_started_ = 0;  // bytes from the start of the file whose writeback started
  // Touched by the hasher thread while it runs, otherwise by the calling thread.
  EVP_MD_CTX* sha256_;

  // Used by the calling thread only.
  std::vector<Buffer> buffers_;  // at most kMaxBuffers, so pointers into it stay valid
  Buffer* filling_ = nullptr;
  int64_t bytes_written_ = 0;
  bool threads_started_ = false;
  bool threads_failed_ = false;
  bool committed_ = false;
  std::thread hasher_;
  std::thread disk_writer_;

  // Guarded by mutex_. A buffer is filling_, or free_, or submitted: then it is waiting in or
  // taken from to_hash_ and to_write_ until both threads release it. to_hash_ may also contain
  // pieces of filling_.
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<HashPiece> to_hash_;
  std::deque<Buffer*> to_write_;
  std::deque<Buffer*> free_;
  std::optional<Error> error_;  // the first write error; set by the disk writer or Process
  bool stopping_ = false;
};

}  // namespace

Error IoError(std::string_view action, const fs::path& path, int error_number) {
  return Error::Internal(std::string(action) + " " + path.string() + ": " +
                         std::strerror(error_number));
}

BlobInfo InfoFromStat(std::string_view key, const struct stat& status) {
  BlobInfo info;
  info.key = std::string(key);
  info.size = status.st_size;
  info.modified_at =
      static_cast<int64_t>(status.st_mtim.tv_sec) * 1000 + status.st_mtim.tv_nsec / 1000000;
  // Inode, size and modification time change whenever a blob is replaced by rename.
  info.etag = std::to_string(status.st_ino) + "-" + std::to_string(status.st_size) + "-" +
              std::to_string(status.st_mtim.tv_sec) + std::to_string(status.st_mtim.tv_nsec);
  return info;
}

namespace {

// Creates `temp_path` for writing, with O_DIRECT when `direct` is true and the file system
// supports it (`direct` is cleared otherwise). Returns the descriptor, or -1 with errno set.
int CreateTemporaryFile(const fs::path& temp_path, bool& direct) {
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  if (direct) {
    const int fd = ::open(temp_path.c_str(), kFlags | O_DIRECT, 0640);
    if (fd >= 0 || errno != EINVAL) {
      return fd;
    }
    // The file system does not support O_DIRECT, as with tmpfs on older kernels.
    direct = false;
  }
  return ::open(temp_path.c_str(), kFlags, 0640);
}

}  // namespace

Result<std::unique_ptr<BlobWriter>> OpenLocalBlobWriter(std::string key, fs::path final_path,
                                                        fs::path temp_path, bool direct_io) {
  // The writer holds an exclusive flock on its temporary file until the file is renamed or
  // deleted, so that the sweep of stale files (MakeLocalBlobStore) in any process can tell a live
  // upload from what a crash left. The sweep may take the lock between open and flock and delete
  // the new file. The link count then shows it, so the writer takes a new name.
  bool direct = direct_io;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) {
      temp_path.replace_filename(NewUuid());
    }
    FileDescriptor fd(CreateTemporaryFile(temp_path, direct));
    if (fd.get() < 0) {
      return Fail(IoError("create", temp_path, errno));
    }
    if (::flock(fd.get(), LOCK_EX) != 0) {
      return Fail(IoError("lock", temp_path, errno));
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) {
      return Fail(IoError("stat", temp_path, errno));
    }
    if (status.st_nlink > 0) {
      return std::make_unique<LocalBlobWriter>(std::move(key), std::move(final_path),
                                               std::move(temp_path), fd.Release(), direct);
    }
  }
  return Fail(Error::Internal("create a temporary file in " + temp_path.parent_path().string() +
                              ": the sweep of stale files deleted it three times"));
}

}  // namespace openlabs::storage
