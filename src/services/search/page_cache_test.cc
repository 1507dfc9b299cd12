#include "services/search/page_cache.h"

#include <gtest/gtest.h>

namespace openlabs::search {
namespace {

SearchPage PageWith(int64_t id, size_t snippet_bytes = 10) {
  SearchPage page;
  SearchHit hit;
  hit.type = "lab";
  hit.id = id;
  hit.snippet = std::string(snippet_bytes, 's');
  page.items.push_back(hit);
  page.total = 1;
  return page;
}

SearchQuery QueryOf(std::string text) {
  SearchQuery query;
  query.text = std::move(text);
  return query;
}

TEST(PageCache, KeysDifferForEveryField) {
  SearchQuery base = QueryOf("gradient descent");
  const std::string key = PageCache::KeyOf(base, 1, 20);
  SearchQuery typed = base;
  typed.type = "lab";
  SearchQuery tagged = base;
  tagged.tags = {"ml"};
  SearchQuery authored = base;
  authored.author_id = 3;
  EXPECT_NE(key, PageCache::KeyOf(typed, 1, 20));
  EXPECT_NE(key, PageCache::KeyOf(tagged, 1, 20));
  EXPECT_NE(key, PageCache::KeyOf(authored, 1, 20));
  EXPECT_NE(key, PageCache::KeyOf(base, 2, 20));
  EXPECT_NE(key, PageCache::KeyOf(base, 1, 10));
  // Text that contains another field's separators stays distinct.
  SearchQuery tricky = QueryOf("gradient");
  tricky.type = "descent";
  EXPECT_NE(PageCache::KeyOf(QueryOf("gradient descent"), 1, 20), PageCache::KeyOf(tricky, 1, 20));
  SearchQuery two_tags = base;
  two_tags.tags = {"a", "b"};
  SearchQuery one_tag = base;
  one_tag.tags = {"a1:b"};
  EXPECT_NE(PageCache::KeyOf(two_tags, 1, 20), PageCache::KeyOf(one_tag, 1, 20));
}

TEST(PageCache, ServesOnlyTheSameGeneration) {
  PageCache cache(10, 1 << 20);
  cache.Store("a", 5, PageWith(1));
  ASSERT_TRUE(cache.Find("a", 5));
  EXPECT_EQ(cache.Find("a", 5)->items[0].id, 1);
  EXPECT_FALSE(cache.Find("b", 5));
  // A newer generation empties the cache, and an older one is never served or stored.
  EXPECT_FALSE(cache.Find("a", 6));
  EXPECT_EQ(cache.size(), 0u);
  cache.Store("a", 5, PageWith(2));
  EXPECT_FALSE(cache.Find("a", 6));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PageCache, DropsLeastRecentlyUsedPastLimits) {
  PageCache cache(2, 1 << 20);
  cache.Store("a", 1, PageWith(1));
  cache.Store("b", 1, PageWith(2));
  ASSERT_TRUE(cache.Find("a", 1));  // "b" is now the least recently used
  cache.Store("c", 1, PageWith(3));
  EXPECT_TRUE(cache.Find("a", 1));
  EXPECT_FALSE(cache.Find("b", 1));
  EXPECT_TRUE(cache.Find("c", 1));

  PageCache small(100, 4096);
  small.Store("big", 1, PageWith(1, 8192));  // larger than the whole cache: not kept
  EXPECT_FALSE(small.Find("big", 1));
  small.Store("x", 1, PageWith(1, 1500));
  small.Store("y", 1, PageWith(2, 1500));
  small.Store("z", 1, PageWith(3, 1500));
  EXPECT_FALSE(small.Find("x", 1));
  EXPECT_TRUE(small.Find("y", 1));
  EXPECT_TRUE(small.Find("z", 1));
}

}  // namespace
}  // namespace openlabs::search
