#include "services/assistant/passages.h"

#include <gtest/gtest.h>

#include <vector>

#include "services/assistant/passage_store.h"
#include "services/assistant/retriever.h"

namespace openlabs::assistant {
namespace {

TEST(SluggerTest, FollowsGithubRules) {
  Slugger slugger;
  EXPECT_EQ(slugger.Slug("Image Classification"), "image-classification");
  EXPECT_EQ(slugger.Slug("k - Nearest Neighbor Classifier"), "k---nearest-neighbor-classifier");
  EXPECT_EQ(slugger.Slug("That's Not Not What I Meant"), "thats-not-not-what-i-meant");
  EXPECT_EQ(slugger.Slug("Summary: Applying kNN in practice"), "summary-applying-knn-in-practice");
  EXPECT_EQ(slugger.Slug("snake_case & more"), "snake_case--more");
}

TEST(SluggerTest, NumbersRepeats) {
  Slugger slugger;
  EXPECT_EQ(slugger.Slug("Solution"), "solution");
  EXPECT_EQ(slugger.Slug("Solution"), "solution-1");
  EXPECT_EQ(slugger.Slug("Solution"), "solution-2");
  EXPECT_EQ(slugger.Slug("Solution 1"), "solution-1-1");
}

TEST(HeadingTextTest, DropsInlineMarkup) {
  EXPECT_EQ(HeadingText("`True` and `False`"), "True and False");
  EXPECT_EQ(HeadingText("Using [git](https://git-scm.com) *well*"), "Using git well");
  EXPECT_EQ(HeadingText("call_graph_tools"), "call_graph_tools");
}

TEST(SplitMarkdownTest, KeepsHeadingChainAndAnchor) {
  const std::vector<Passage> passages = SplitMarkdown(
      "---\ntitle: Lab\n---\nIntro text.\n\n# Setup\n\nInstall it.\n\n## Linux `apt`\n\n"
      "Run apt.\n");
  ASSERT_EQ(passages.size(), 3u);
  EXPECT_EQ(passages[0].heading, "");
  EXPECT_EQ(passages[0].anchor, "");
  EXPECT_EQ(passages[0].text, "Intro text.");
  EXPECT_EQ(passages[1].heading, "Setup");
  EXPECT_EQ(passages[1].anchor, "setup");
  EXPECT_EQ(passages[2].heading, "Setup › Linux apt");
  EXPECT_EQ(passages[2].anchor, "linux-apt");
  EXPECT_EQ(passages[2].text, "Run apt.");
}

TEST(SplitMarkdownTest, IgnoresHeadingsInCodeFences) {
  const std::vector<Passage> passages =
      SplitMarkdown("# Shell\n\n```bash\n# not a heading\necho hi\n```\n\nAfter.\n");
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0].anchor, "shell");
  EXPECT_NE(passages[0].text.find("# not a heading"), std::string::npos);
  EXPECT_NE(passages[0].text.find("After."), std::string::npos);
}

TEST(SplitMarkdownTest, MarksSolutions) {
  const std::vector<Passage> passages = SplitMarkdown(
      "# Task\n\nDo it.\n\n:::: challenge\n\nTry this.\n\n::: solution\n\nThe answer is 4.\n\n"
      ":::\n\n::::\n\n## Solution 2\n\nAlso 4.\n");
  ASSERT_EQ(passages.size(), 3u);
  EXPECT_FALSE(passages[0].solution);
  EXPECT_NE(passages[0].text.find("Try this."), std::string::npos);
  EXPECT_TRUE(passages[1].solution);
  EXPECT_EQ(passages[1].text, "The answer is 4.");
  EXPECT_TRUE(passages[2].solution);
  EXPECT_EQ(passages[2].anchor, "solution-2");
}

TEST(SplitMarkdownTest, PacksLongSectionsUnderTheLimit) {
  std::string markdown = "# Long\n\n";
  for (int i = 0; i < 40; ++i) {
    markdown += "Paragraph " + std::to_string(i) + " " + std::string(100, 'x') + "\n\n";
  }
  markdown += std::string(5000, 'y') + "\n";
  SplitOptions options;
  const std::vector<Passage> passages = SplitMarkdown(markdown, options);
  ASSERT_GT(passages.size(), 5u);
  for (const Passage& passage : passages) {
    EXPECT_LE(passage.text.size(), options.max_bytes);
    EXPECT_EQ(passage.anchor, "long");
  }
}

TEST(SplitPagesTest, KeepsPageNumbers) {
  const std::vector<Passage> passages =
      SplitPages({"First page text.\n\nMore.", "", "Third page."});
  ASSERT_EQ(passages.size(), 2u);
  EXPECT_EQ(passages[0].page, 1);
  EXPECT_EQ(passages[0].heading, "Page 1");
  EXPECT_EQ(passages[1].page, 3);
  EXPECT_EQ(passages[1].text, "Third page.");
}

TEST(SplitCellsTest, KeepsCellNumbers) {
  const std::vector<Passage> passages =
      SplitCells({{"markdown", "# Intro\n\nHello."}, {"code", "x = 1"}, {"code", ""}});
  ASSERT_EQ(passages.size(), 2u);
  EXPECT_EQ(passages[0].cell, 1);
  EXPECT_EQ(passages[1].cell, 2);
  EXPECT_EQ(passages[1].text, "x = 1");
}

TEST(VectorCodingTest, RoundTrips) {
  const std::vector<float> vector = {1.5f, -2.25f, 0.0f, 3.0e-7f, 1.0f};
  const std::string encoded = EncodeVector(vector);
  const std::optional<std::vector<float>> decoded = DecodeVector(encoded);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, vector);
  EXPECT_FALSE(DecodeVector("abc").has_value());
}

TEST(FuseRankingsTest, RewardsAgreement) {
  const std::vector<RankedPassage> lexical = {{1, 9}, {2, 8}, {3, 7}};
  const std::vector<RankedPassage> dense = {{3, 0.9}, {4, 0.8}, {1, 0.7}};
  const std::vector<RankedPassage> fused = FuseRankings({lexical, dense}, 3);
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].id, 1);  // ranks 1 and 3
  EXPECT_EQ(fused[1].id, 3);  // ranks 3 and 1, tie broken by the first ranking's order
  EXPECT_EQ(fused[2].id, 2);
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 61 + 1.0 / 63);
}

}  // namespace
}  // namespace openlabs::assistant
