#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace openlabs::storage {

// Settings of the orphan blob collection.
struct OrphanCollectionOptions {
  // Blobs written less than this long ago are kept whether or not a row references them, because
  // an upload commits its blobs before the row that references them.
  std::chrono::seconds grace = std::chrono::hours(24);
  // Maximum number of blobs one pass deletes; the next pass goes on with the rest.
  int64_t max_deletions = 1000;
};

// Counts of the blobs one collection pass listed, kept, deleted and failed to delete.
struct OrphanCollectionStats {
  int64_t listed = 0;      // blobs in the store
  int64_t fresh = 0;       // kept because they are younger than the grace period
  int64_t referenced = 0;  // kept because a row references them
  int64_t deleted = 0;
  int64_t failed = 0;  // orphans whose Stat or Delete failed; logged one by one
};

// Deletes the blobs that no row references and that were written more than `options.grace`
// before `now`. A blob counts as referenced when its key is the value of a column named
// `blob_key` in any table of the database, so every table that points to blobs must name its
// column so. The store is listed first and the references are read afterwards, so a row that
// commits during the pass protects its blob, unless the blob is already older than the grace.
// It works through List, Stat and Delete, so any BlobStore implementation can use it.
// NOTE: a pass keeps every listed key and every referenced key in memory at once.
Result<OrphanCollectionStats> CollectOrphanBlobs(Database& database, BlobStore& blobs,
                                                 const OrphanCollectionOptions& options,
                                                 std::chrono::system_clock::time_point now);

// Runs CollectOrphanBlobs on a thread of its own: once at Start, then every `interval`, logging
// each pass that deleted or failed something. Stop (or the destructor) ends the thread.
class OrphanBlobCollector {
 public:
  OrphanBlobCollector(Database& database, BlobStore& blobs, OrphanCollectionOptions options,
                      std::chrono::seconds interval);
  ~OrphanBlobCollector();
  OrphanBlobCollector(const OrphanBlobCollector&) = delete;
  OrphanBlobCollector& operator=(const OrphanBlobCollector&) = delete;

  void Start();
  void Stop();

 private:
  void Run();

  Database& database_;
  BlobStore& blobs_;
  OrphanCollectionOptions options_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace openlabs::storage
