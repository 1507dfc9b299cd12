#include "services/articles/validation.h"

#include <gtest/gtest.h>

#include "services/articles/articles_service.h"

namespace openlabs::articles {
namespace {

TEST(NormalizeTag, LowersAndJoinsWords) {
  EXPECT_EQ(NormalizeTag("  Machine Learning ").value_or(""), "machine-learning");
  EXPECT_EQ(NormalizeTag("C++").value_or(""), "c++");
  EXPECT_EQ(NormalizeTag("c#").value_or(""), "c#");
  EXPECT_EQ(NormalizeTag("snake_case").value_or(""), "snake-case");
}

TEST(NormalizeTag, RejectsInvalid) {
  EXPECT_FALSE(NormalizeTag(""));
  EXPECT_FALSE(NormalizeTag("a/b"));
  EXPECT_FALSE(NormalizeTag("caf\xC3\xA9"));
  EXPECT_FALSE(NormalizeTag(std::string(41, 'a')));
  EXPECT_TRUE(NormalizeTag(std::string(40, 'a')));
}

TEST(CheckTags, DropsDuplicatesAndLimitsCount) {
  std::vector<FieldViolation> problems;
  EXPECT_EQ(CheckTags({"Python", "python", "go"}, problems),
            (std::vector<std::string>{"python", "go"}));
  EXPECT_TRUE(problems.empty());
  std::vector<std::string> many;
  for (int i = 0; i < 11; ++i) {
    many.push_back("t" + std::to_string(i));
  }
  CheckTags(many, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "tags");
}

TEST(CheckTitle, CountsCharactersNotBytes) {
  std::vector<FieldViolation> problems;
  std::string title;
  for (int i = 0; i < 300; ++i) {
    title += "\xC3\xA9";
  }
  CheckTitle(title, problems);
  EXPECT_TRUE(problems.empty());
  CheckTitle(title + "x", problems);
  EXPECT_EQ(problems.size(), 1u);
}

TEST(CheckTitle, RejectsEmptyAndControlCharacters) {
  std::vector<FieldViolation> problems;
  CheckTitle("   ", problems);
  CheckTitle("a\nb", problems);
  CheckTitle("\xFF", problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].message, "must not be empty");
}

TEST(CheckAbstract, AllowsNewlinesUpToLimit) {
  std::vector<FieldViolation> problems;
  CheckAbstract("line one\nline two", problems);
  EXPECT_TRUE(problems.empty());
  CheckAbstract(std::string(5001, 'a'), problems);
  EXPECT_EQ(problems.size(), 1u);
}

TEST(CheckAuthors, TrimsAndLimits) {
  std::vector<FieldViolation> problems;
  EXPECT_EQ(CheckAuthors({" Ada Lovelace ", "", "Alan Turing"}, problems),
            (std::vector<std::string>{"Ada Lovelace", "Alan Turing"}));
  EXPECT_TRUE(problems.empty());
  CheckAuthors(std::vector<std::string>(51, "Someone"), problems);
  EXPECT_EQ(problems.size(), 1u);
  CheckAuthors({std::string(201, 'a')}, problems);
  EXPECT_EQ(problems.size(), 2u);
}

TEST(CheckFilename, DefaultsAndRejectsPaths) {
  std::vector<FieldViolation> problems;
  EXPECT_EQ(CheckFilename("", problems), "article.pdf");
  EXPECT_EQ(CheckFilename("paper.pdf", problems), "paper.pdf");
  EXPECT_TRUE(problems.empty());
  CheckFilename("../etc/passwd", problems);
  EXPECT_EQ(problems.size(), 1u);
}

TEST(Utf8Length, CountsAndRejects) {
  EXPECT_EQ(Utf8Length("h\xC3\xA9llo"), 5u);
  EXPECT_EQ(Utf8Length("\xF0\x9F\x98\x80"), 1u);
  EXPECT_EQ(Utf8Length("\xC0\xAF"), std::string_view::npos);
  EXPECT_EQ(Utf8Length("\xED\xA0\x80"), std::string_view::npos);  // a surrogate
  EXPECT_EQ(Utf8Length("\xE2\x82"), std::string_view::npos);
}

}  // namespace
}  // namespace openlabs::articles
