#include "services/labs/validation.h"

#include <gtest/gtest.h>

namespace openlabs::labs {
namespace {

TEST(NormalizeTagTest, LowersCaseAndJoinsWords) {
  EXPECT_EQ(NormalizeTag("  Machine Learning ").value(), "machine-learning");
  EXPECT_EQ(NormalizeTag("C++").value(), "c++");
  EXPECT_EQ(NormalizeTag("C#").value(), "c#");
  EXPECT_EQ(NormalizeTag("node.js").value(), "node.js");
  EXPECT_EQ(NormalizeTag("snake_case").value(), "snake-case");
}

TEST(NormalizeTagTest, RejectsBadTags) {
  EXPECT_FALSE(NormalizeTag(""));
  EXPECT_FALSE(NormalizeTag("   "));
  EXPECT_FALSE(NormalizeTag("a/b"));
  EXPECT_FALSE(NormalizeTag("ünïcode"));
  EXPECT_FALSE(NormalizeTag(std::string(41, 'a')));
  EXPECT_TRUE(NormalizeTag(std::string(40, 'a')));
}

TEST(NormalizeTagsTest, DropsDuplicatesAndLimitsCount) {
  Result<std::vector<std::string>> tags = NormalizeTags({"Python", "python", "NumPy"});
  ASSERT_TRUE(tags);
  EXPECT_EQ(*tags, (std::vector<std::string>{"python", "numpy"}));

  std::vector<std::string> eleven;
  for (int i = 0; i < 11; ++i) {
    eleven.push_back("tag" + std::to_string(i));
  }
  EXPECT_FALSE(NormalizeTags(eleven));
}

TEST(NormalizeAssetPathTest, DropsDotAndLeadingSlash) {
  EXPECT_EQ(NormalizeAssetPath("img/x.png").value(), "img/x.png");
  EXPECT_EQ(NormalizeAssetPath("./img/x.png").value(), "img/x.png");
  EXPECT_EQ(NormalizeAssetPath("/assets/eg/a.png").value(), "assets/eg/a.png");
  EXPECT_EQ(NormalizeAssetPath("a/./b.csv").value(), "a/b.csv");
}

TEST(NormalizeAssetPathTest, RejectsEscapesAndOddPaths) {
  EXPECT_FALSE(NormalizeAssetPath(""));
  EXPECT_FALSE(NormalizeAssetPath("../secret"));
  EXPECT_FALSE(NormalizeAssetPath("a/../../b"));
  EXPECT_FALSE(NormalizeAssetPath("a\\b"));
  EXPECT_FALSE(NormalizeAssetPath("a//b"));
  EXPECT_FALSE(NormalizeAssetPath("folder/"));
  EXPECT_FALSE(NormalizeAssetPath("a\nb"));
  EXPECT_FALSE(NormalizeAssetPath(std::string(1025, 'a')));
}

TEST(CheckTextTest, CountsCharactersNotBytes) {
  std::vector<FieldViolation> problems;
  std::string accented;
  for (int i = 0; i < 200; ++i) {
    accented += "é";
  }
  CheckText("title", accented, 200, false, true, problems);
  EXPECT_TRUE(problems.empty());
  CheckText("title", accented + "é", 200, false, true, problems);
  EXPECT_EQ(problems.size(), 1u);
}

TEST(CheckTextTest, RejectsBlankRequiredAndInvalidUtf8) {
  std::vector<FieldViolation> problems;
  CheckText("title", "  ", 200, false, true, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "title");
  problems.clear();
  CheckText("title", "\xff", 200, false, true, problems);
  EXPECT_EQ(problems.size(), 1u);
  problems.clear();
  CheckText("body", "line\nnext\ttab", 200, true, false, problems);
  EXPECT_TRUE(problems.empty());
}

}  // namespace
}  // namespace openlabs::labs
