#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::storage {

struct BlobInfo {
  std::string key;
  int64_t size = 0;
  std::string etag;         // changes whenever the content changes; quoted form is the caller's job
  int64_t modified_at = 0;  // Unix milliseconds
  // Hex SHA-256 of the content. BlobWriter::Commit sets it; Stat and readers leave it empty.
  std::string sha256;
};

// An inclusive byte range [first, last], as in an HTTP Range header.
struct ByteRange {
  int64_t first = 0;
  int64_t last = 0;
};

// Receives a blob in chunks. Nothing is visible under the key until Commit succeeds; a writer
// destroyed without Commit discards what it received. Memory use does not grow with blob size.
// Not thread-safe.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Copies `chunk`, which the caller may reuse once this returns. An error may come from an
  // earlier chunk, because the copies are written in the background.
  virtual Status Write(std::string_view chunk) = 0;
  // Makes the blob durable and visible under its key, replacing any previous blob there, and
  // returns its info with the SHA-256 of what was written.
  virtual Result<BlobInfo> Commit() = 0;
  virtual int64_t bytes_written() const = 0;
};

// Reads a blob, or a range of it, in chunks.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `capacity` bytes into `buffer`; returns 0 at the end of the blob or range.
  virtual Result<size_t> Read(char* buffer, size_t capacity) = 0;
  virtual const BlobInfo& info() const = 0;
  // Bytes this reader returns in total: the range length, or the blob size.
  virtual int64_t length() const = 0;
};

// Storage of immutable files by key. Keys are relative paths of lower-case letters, digits and
// "._-/" segments, such as "labs/42/assets/9f3c"; each service writes under its own prefix.
// Implementations: a local directory (here) and an S3-compatible bucket (s3_blob_store.h), so the
// interface only uses operations both support. Thread-safe.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Result<std::unique_ptr<BlobWriter>> OpenWriter(std::string_view key) = 0;
  // A reader of the whole blob, or of `range` (clamped to the blob; 416-style errors are the
  // caller's job via Stat). kNotFound when the key does not exist.
  virtual Result<std::unique_ptr<BlobReader>> OpenReader(
      std::string_view key, std::optional<ByteRange> range = std::nullopt) = 0;
  virtual Result<BlobInfo> Stat(std::string_view key) = 0;
  // Deleting a missing key succeeds, as in S3.
  virtual Status Delete(std::string_view key) = 0;
  // Keys under `prefix`, for collecting orphans.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;

  // Convenience for small blobs: writes `data` in one chunk and commits.
  Result<BlobInfo> Put(std::string_view key, std::string_view data);
  // Convenience for small blobs: reads the whole blob into memory.
  Result<std::string> Get(std::string_view key);
};

// True when `key` is a safe blob key (see BlobStore).
bool IsValidBlobKey(std::string_view key);

struct LocalBlobStoreOptions {
  // Write blob data with O_DIRECT, past the page cache. Where the file system does not support
  // it, the writer uses the page cache anyway.
  bool direct_io = true;
};

// A blob store in a local directory. Writes go to a temporary file in root/.tmp, are fsynced,
// then renamed into place, so a crash never leaves a partial blob under a key. Opening the store
// deletes the temporary files that a crashed or killed process left, and keeps those that a
// live writer of any process holds.
// A writer hashes and writes in two threads of its own once a blob passes 2 MiB, and keeps at
// most 12 MiB of it in memory.
std::unique_ptr<BlobStore> MakeLocalBlobStore(std::string root, LocalBlobStoreOptions options = {});

}  // namespace openlabs::storage
