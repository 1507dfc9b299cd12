#include "services/search/search_text.h"

#include <gtest/gtest.h>

namespace openlabs::search {
namespace {

TEST(ParseQuery, WordsMustAllMatch) {
  const ParsedQuery query = ParseQuery("lambda calculus");
  ASSERT_EQ(query.all_of.size(), 2u);
  EXPECT_EQ(query.all_of[0], std::vector<std::string>{"lambda"});
  EXPECT_EQ(query.all_of[1], std::vector<std::string>{"calculus"});
  EXPECT_TRUE(query.none_of.empty());
}

TEST(ParseQuery, OrJoinsNeighbours) {
  const ParsedQuery query = ParseQuery("python OR haskell notebooks");
  ASSERT_EQ(query.all_of.size(), 2u);
  EXPECT_EQ(query.all_of[0], (std::vector<std::string>{"python", "haskell"}));
  EXPECT_EQ(query.all_of[1], std::vector<std::string>{"notebooks"});
}

TEST(ParseQuery, MinusExcludes) {
  const ParsedQuery query = ParseQuery("python -snake");
  ASSERT_EQ(query.all_of.size(), 1u);
  EXPECT_EQ(query.none_of, std::vector<std::string>{"snake"});
}

TEST(ParseQuery, QuotedPhraseStaysTogether) {
  const ParsedQuery query = ParseQuery("\"game theory\" tutorial");
  ASSERT_EQ(query.all_of.size(), 2u);
  EXPECT_EQ(query.all_of[0], std::vector<std::string>{"game theory"});
}

TEST(ParseQuery, StopWordsAndPunctuationAreDropped) {
  EXPECT_TRUE(ParseQuery("the of and").empty());
  EXPECT_TRUE(ParseQuery("* - ( )").empty());
  // An unclosed quote makes the rest of the text one phrase.
  EXPECT_EQ(ParseQuery("\" * NEAR(").all_of.size(), 1u);
  EXPECT_TRUE(ParseQuery("").empty());
  EXPECT_TRUE(ParseQuery("OR OR").empty());
}

TEST(ParseQuery, TermCountIsCapped) {
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text += "word" + std::to_string(i) + " ";
  }
  EXPECT_EQ(ParseQuery(text).all_of.size(), kMaxQueryTerms);
}

TEST(ToFts5Query, QuotesEveryTerm) {
  EXPECT_EQ(ToFts5Query(ParseQuery("x\"b NEAR(x")), "(\"x\") AND (\"b NEAR(x\")");
  EXPECT_EQ(ToFts5Query(ParseQuery("title:x* ^y")), "(\"title:x*\") AND (\"^y\")");
  EXPECT_EQ(ToFts5Query(ParseQuery("python OR haskell -snake")),
            "(\"python\" OR \"haskell\") NOT \"snake\"");
  EXPECT_EQ(ToFts5Query(ParseQuery("")), "");
}

TEST(ToFts5Query, CjkTermBecomesPhrase) {
  EXPECT_EQ(ToFts5Query(ParseQuery("机器学习")), "(\" 机  器  学  习 \")");
  EXPECT_EQ(ToFts5Query(ParseQuery("python编程 -東京")),
            "(\"python 编  程 \") NOT \" 東  京 \"");
}

TEST(SeparateCjk, SurroundsEachCjkLetter) {
  EXPECT_EQ(SeparateCjk("ab机器 학교 カナ"),
            "ab\x01机\x01\x01器\x01 \x01학\x01\x01교\x01 \x01カ\x01\x01ナ\x01");
  EXPECT_EQ(SeparateCjk("plain text, é and 😀"), "plain text, é and 😀");
  EXPECT_EQ(SeparateCjk("𠀀。", '|'), "|𠀀|。");  // an Extension B ideograph; punctuation stays
  EXPECT_EQ(WithoutCjkSeparators(SeparateCjk("机器learning")), "机器learning");
  EXPECT_TRUE(ContainsCjk("x日本"));
  EXPECT_FALSE(ContainsCjk("Navier–Stokes é 😀"));
}

TEST(ToWebsearchQuery, QuotesCjkWords) {
  EXPECT_EQ(ToWebsearchQuery("python -snake \"game theory\""), "python -snake \"game theory\"");
  EXPECT_EQ(ToWebsearchQuery("机器学习 python"), "\" 机  器  学  习 \" python");
  EXPECT_EQ(ToWebsearchQuery("-東京 OR \"自然 言語\""),
            "-\" 東  京 \" OR \" 自  然   言  語 \"");
}

TEST(CleanText, ReplacesInvalidUtf8AndControls) {
  EXPECT_EQ(CleanText(std::string("a\0b", 3), 100), "a b");
  EXPECT_EQ(CleanText("a\x02"
                      "b\x03",
                      100),
            "a b ");
  EXPECT_EQ(CleanText("\xff", 100), "\xEF\xBF\xBD");
  EXPECT_EQ(CleanText("\xC0\xAF", 100), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(CleanText("line\r\nnext\ttab", 100), "line\n\nnext\ttab");
  EXPECT_EQ(CleanText("h\xC3\xA9llo", 100), "h\xC3\xA9llo");
}

TEST(CleanText, CutsAtCharacterBoundary) {
  EXPECT_EQ(CleanText("\xC3\xA9\xC3\xA9", 3), "\xC3\xA9");
  EXPECT_EQ(CleanText("abcdef", 4), "abcd");
}

TEST(SnippetToHtml, EscapesTextAndMarksMatches) {
  const std::string snippet = std::string("<b>x</b> & ") + kMarkStart + "fox" + kMarkEnd + " '\"";
  EXPECT_EQ(SnippetToHtml(snippet), "&lt;b&gt;x&lt;/b&gt; &amp; <mark>fox</mark> &#39;&quot;");
}

TEST(SnippetToHtml, CollapsesWhitespace) { EXPECT_EQ(SnippetToHtml("a  \n\n   b\tc"), "a b c"); }

TEST(SnippetToHtml, ClosesAnOpenMark) {
  EXPECT_EQ(SnippetToHtml(std::string(1, kMarkStart) + "fox"), "<mark>fox</mark>");
  EXPECT_EQ(SnippetToHtml(std::string(1, kMarkEnd) + "fox"), "fox");
}

// PostgreSQL highlights each character of a CJK phrase, but the page shows one highlight and no
// separators. Highlights parted by a space stay apart.
TEST(SnippetToHtml, JoinsCjkHighlights) {
  const std::string start(1, kMarkStart);
  const std::string end(1, kMarkEnd);
  const std::string separator(1, kCjkSeparator);
  const std::string snippet = separator + "用" + separator + separator + start + "机" + end +
                              separator + separator + start + "器" + end + separator + " " +
                              start + "numpy" + end + " " + start + "array" + end;
  EXPECT_EQ(SnippetToHtml(snippet), "用<mark>机器</mark> <mark>numpy</mark> <mark>array</mark>");
}

}  // namespace
}  // namespace openlabs::search
