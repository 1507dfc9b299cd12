#include "services/search/page_cache.h"

namespace openlabs::search {

std::string PageCache::KeyOf(const SearchQuery& query, int page, int limit) {
  // Lengths before the strings, so that no text can imitate another field.
  std::string key;
  const auto add = [&key](std::string_view value) {
    key += std::to_string(value.size());
    key += ':';
    key += value;
  };
  add(query.text);
  add(query.type);
  key += std::to_string(query.tags.size()) + '|';
  for (const std::string& tag : query.tags) {
    add(tag);
  }
  key += std::to_string(query.author_id) + '|' + std::to_string(page) + '|' +
         std::to_string(limit);
  return key;
}

std::optional<SearchPage> PageCache::Find(const std::string& key, long long generation) {
  std::lock_guard lock(mutex_);
  Advance(generation);
  if (generation != generation_) {
    return std::nullopt;
  }
  auto found = by_key_.find(key);
  if (found == by_key_.end()) {
    return std::nullopt;
  }
  pages_.splice(pages_.begin(), pages_, found->second);
  return found->second->second;
}

void PageCache::Store(const std::string& key, long long generation, const SearchPage& page) {
  if (max_pages_ == 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  Advance(generation);
  // A search that read an older snapshot than the cache's must not add to it.
  if (generation != generation_ || by_key_.contains(key)) {
    return;
  }
  pages_.emplace_front(key, page);
  const size_t bytes = BytesOf(pages_.front());
  if (bytes > max_bytes_) {
    pages_.pop_front();
    return;
  }
  by_key_.emplace(key, pages_.begin());
  bytes_ += bytes;
  while (pages_.size() > max_pages_ || bytes_ > max_bytes_) {
    bytes_ -= BytesOf(pages_.back());
    by_key_.erase(pages_.back().first);
    pages_.pop_back();
  }
}

size_t PageCache::size() const {
  std::lock_guard lock(mutex_);
  return pages_.size();
}

size_t PageCache::BytesOf(const Entry& entry) {
  size_t bytes = sizeof(Entry) + entry.first.size() * 2;  // the key is held twice
  for (const SearchHit& hit : entry.second.items) {
    bytes += sizeof(SearchHit) + hit.type.size() + hit.title.size() + hit.snippet.size();
  }
  return bytes;
}

void PageCache::Advance(long long generation) {
  if (generation <= generation_) {
    return;
  }
  pages_.clear();
  by_key_.clear();
  bytes_ = 0;
  generation_ = generation;
}

}  // namespace openlabs::search
