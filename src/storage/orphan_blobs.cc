#include "storage/orphan_blobs.h"

#include <spdlog/spdlog.h>

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace openlabs::storage {
namespace {

// The tables that have a column named blob_key.
std::vector<std::string> BlobKeyTables(soci::session& session, Dialect dialect) {
  const char* query =
      ByDialect(dialect,
                "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p "
                "WHERE m.type = 'table' AND p.name = 'blob_key' ORDER BY m.name",
                "SELECT CAST(table_name AS TEXT) FROM information_schema.columns "
                "WHERE column_name = 'blob_key' AND table_schema = current_schema() ORDER BY 1");
  std::vector<std::string> tables;
  const soci::rowset<std::string> rows = session.prepare << query;
  for (const std::string& table : rows) {
    tables.push_back(table);
  }
  return tables;
}

std::string QuotedIdentifier(const std::string& name) {
  std::string quoted = "\"";
  for (const char c : name) {
    quoted += c == '"' ? "\"\"" : std::string(1, c);
  }
  return quoted + "\"";
}

Result<std::unordered_set<std::string>> ReferencedKeys(Database& database) {
  return database.WithSession<std::unordered_set<std::string>>(
      [&](soci::session& session) -> Result<std::unordered_set<std::string>> {
        std::unordered_set<std::string> keys;
        for (const std::string& table : BlobKeyTables(session, database.dialect())) {
          const soci::rowset<std::string> rows =
              session.prepare << "SELECT blob_key FROM " + QuotedIdentifier(table);
          for (const std::string& key : rows) {
            keys.insert(key);
          }
        }
        return keys;
      });
}

}  // namespace

Result<OrphanCollectionStats> CollectOrphanBlobs(Database& database, BlobStore& blobs,
                                                 const OrphanCollectionOptions& options,
                                                 std::chrono::system_clock::time_point now) {
  Result<std::vector<std::string>> listed = blobs.List("");
  if (!listed) {
    return Fail(listed.error());
  }
  OrphanCollectionStats stats;
  stats.listed = static_cast<int64_t>(listed->size());
  const int64_t cutoff_millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    (now - options.grace).time_since_epoch())
                                    .count();
  std::vector<std::string> old_keys;
  for (std::string& key : *listed) {
    const Result<BlobInfo> info = blobs.Stat(key);
    if (!info) {
      if (info.error().code != ErrorCode::kNotFound) {
        ++stats.failed;
        spdlog::warn("Orphan blob collection: stat of {} failed: {}", key, info.error().internal);
      }
      continue;
    }
    if (info->modified_at > cutoff_millis) {
      ++stats.fresh;
      continue;
    }
    old_keys.push_back(std::move(key));
  }

  // Read after the listing, so that every row committed before a blob was listed is seen.
  Result<std::unordered_set<std::string>> referenced = ReferencedKeys(database);
  if (!referenced) {
    return Fail(referenced.error());
  }
  for (const std::string& key : old_keys) {
    if (referenced->contains(key)) {
      ++stats.referenced;
      continue;
    }
    if (stats.deleted >= options.max_deletions) {
      break;
    }
    if (Status deleted = blobs.Delete(key); !deleted) {
      ++stats.failed;
      spdlog::warn("Orphan blob collection: deleting {} failed: {}", key, deleted.error().internal);
      continue;
    }
    ++stats.deleted;
    spdlog::debug("Orphan blob collection deleted {}", key);
  }
  return stats;
}

OrphanBlobCollector::OrphanBlobCollector(Database& database, BlobStore& blobs,
                                         OrphanCollectionOptions options,
                                         std::chrono::seconds interval)
    : database_(database), blobs_(blobs), options_(options), interval_(interval) {}

OrphanBlobCollector::~OrphanBlobCollector() { Stop(); }

void OrphanBlobCollector::Start() {
  std::lock_guard lock(mutex_);
  if (!thread_.joinable()) {
    stopping_ = false;
    thread_ = std::thread([this] { Run(); });
  }
}

void OrphanBlobCollector::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void OrphanBlobCollector::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    const Result<OrphanCollectionStats> stats =
        CollectOrphanBlobs(database_, blobs_, options_, std::chrono::system_clock::now());
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    if (!stats) {
      spdlog::error("Orphan blob collection failed: {}: {}", stats.error().message,
                    stats.error().internal);
    } else if (stats->deleted > 0 || stats->failed > 0) {
      spdlog::info(
          "Orphan blob collection deleted {} blobs in {} ms ({} listed, {} referenced, {} younger "
          "than the grace period, {} failed)",
          stats->deleted, millis, stats->listed, stats->referenced, stats->fresh, stats->failed);
    } else {
      spdlog::debug("Orphan blob collection found no orphan in {} ms ({} blobs listed)", millis,
                    stats->listed);
    }
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace openlabs::storage
