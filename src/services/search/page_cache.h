#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "services/search/search_index.h"

namespace openlabs::search {

// Result pages of recent searches, each valid for one index generation (search_state.generation,
// which every change of the index increments). A page found here is the page the query would
// compute on a snapshot of that generation, so the cache serves no stale results. Any change to
// the index empties it. Least recently used pages go first once either limit is reached.
// Thread-safe.
class PageCache {
 public:
  PageCache(size_t max_pages, size_t max_bytes) : max_pages_(max_pages), max_bytes_(max_bytes) {}

  // The key of a query: every field that changes its results.
  static std::string KeyOf(const SearchQuery& query, int page, int limit);

  std::optional<SearchPage> Find(const std::string& key, long long generation);
  void Store(const std::string& key, long long generation, const SearchPage& page);

  size_t size() const;

 private:
  using Entry = std::pair<std::string, SearchPage>;

  static size_t BytesOf(const Entry& entry);
  // Empties the cache when `generation` is newer than its pages. Requires mutex_.
  void Advance(long long generation);

  const size_t max_pages_;
  const size_t max_bytes_;
  mutable std::mutex mutex_;
  long long generation_ = -1;
  size_t bytes_ = 0;
  std::list<Entry> pages_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
};

}  // namespace openlabs::search
