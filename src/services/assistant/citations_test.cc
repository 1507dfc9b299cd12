// Merging retrieved passages that point to the same place into one citation.
#include <gtest/gtest.h>

#include "services/assistant/chat_service.h"

namespace openlabs::assistant {
namespace {

RetrievedPassage MakePassage(const std::string& doc_type, int64_t doc_id, const std::string& anchor,
                             int page, const std::string& text, double score, bool in_scope) {
  RetrievedPassage item;
  item.stored.doc_type = doc_type;
  item.stored.doc_id = doc_id;
  item.stored.title = doc_type + " " + std::to_string(doc_id);
  item.stored.passage.anchor = anchor;
  item.stored.passage.heading = anchor.empty() ? "Page " + std::to_string(page) : anchor;
  item.stored.passage.page = page;
  item.stored.passage.text = text;
  item.score = score;
  item.in_scope = in_scope;
  return item;
}

TEST(MergePassagesByPlace, OneLabSectionBecomesOneSource) {
  std::vector<RetrievedPassage> passages;
  for (int i = 0; i < 5; ++i) {
    passages.push_back(MakePassage("lab", 7, "loading-data", 0, "piece " + std::to_string(i),
                                   1.0 - i * 0.1, true));
  }

  const std::vector<RetrievedPassage> merged = MergePassagesByPlace(passages);

  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(PassageUrl(merged[0].stored), "/labs/7#loading-data");
  EXPECT_EQ(merged[0].stored.passage.text, "piece 0\n\npiece 1\n\npiece 2\n\npiece 3\n\npiece 4");
  EXPECT_DOUBLE_EQ(merged[0].score, 1.0);
}

TEST(MergePassagesByPlace, KeepsRankOrderOfDistinctPlaces) {
  const std::vector<RetrievedPassage> merged = MergePassagesByPlace({
      MakePassage("article", 3, "", 3, "page three, first", 0.9, true),
      MakePassage("article", 3, "", 5, "page five", 0.8, true),
      MakePassage("article", 3, "", 3, "page three, second", 0.7, true),
      MakePassage("lab", 3, "", 0, "a lab with the same id", 0.6, false),
  });

  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(PassageUrl(merged[0].stored), "/articles/3?page=3");
  EXPECT_EQ(merged[0].stored.passage.text, "page three, first\n\npage three, second");
  EXPECT_EQ(PassageUrl(merged[1].stored), "/articles/3?page=5");
  EXPECT_EQ(PassageUrl(merged[2].stored), "/labs/3");
  EXPECT_FALSE(merged[2].in_scope);
}

TEST(MergePassagesByPlace, InScopeWhenAnyMergedPassageIs) {
  const std::vector<RetrievedPassage> merged = MergePassagesByPlace({
      MakePassage("lab", 1, "setup", 0, "related copy", 0.4, false),
      MakePassage("lab", 1, "setup", 0, "scope copy", 0.9, true),
  });

  ASSERT_EQ(merged.size(), 1u);
  EXPECT_TRUE(merged[0].in_scope);
  EXPECT_DOUBLE_EQ(merged[0].score, 0.9);
}

}  // namespace
}  // namespace openlabs::assistant
