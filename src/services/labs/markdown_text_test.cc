#include "services/labs/markdown_text.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace openlabs::labs {
namespace {

// Each piece of syntax that must not reach the index, for the checks below.
const std::vector<std::string> kSyntax = {"#", "**", "`", "](", "![", "<", ">", "|", "---", "~~"};

void ExpectNoSyntax(const std::string& text) {
  for (const std::string& syntax : kSyntax) {
    EXPECT_EQ(text.find(syntax), std::string::npos) << "\"" << syntax << "\" in: " << text;
  }
}

TEST(MarkdownToTextTest, KeepsWordsOfEveryBlock) {
  const std::string text = MarkdownToText(
      "# Zebrafish lab\n\n"
      "Some **bold** and *soft* words with `inline_code()` and ~~old~~ text.\n\n"
      "- first item\n- second [linked words](https://example.org/hidden-url)\n\n"
      "> quoted line\n\n"
      "```python\nprint(\"fenced code\")\n```\n\n"
      "| Name | Score |\n|------|-------|\n| Ada  | 90    |\n");
  EXPECT_EQ(text,
            "Zebrafish lab\n"
            "Some bold and soft words with inline_code() and old text.\n"
            "first item\nsecond linked words\n"
            "quoted line\n"
            "print(\"fenced code\")\n"
            "Name\nScore\nAda\n90\n");
}

TEST(MarkdownToTextTest, DropsUrlsAndKeepsAltText) {
  const std::string text =
      MarkdownToText("See ![the plot](img/plot-secret.png) and [docs](https://docs.example/x).\n\n"
                     "[ref]: https://ref.example/y\n");
  EXPECT_EQ(text, "See the plot and docs.\n");
  EXPECT_EQ(text.find("secret"), std::string::npos);
  EXPECT_EQ(text.find("example"), std::string::npos);
}

TEST(MarkdownToTextTest, KeepsTextOfRawHtml) {
  const std::string text = MarkdownToText(
      "<div class=\"note\">\n<p>Hidden <b>gems</b> &amp; tags</p>\n</div>\n\n"
      "Inline <span style=\"color:red\">red</span> word<br>next line.\n\n"
      "<script>var leaked = 1;</script>\n\n"
      "<!-- a comment -->\n\n"
      "<img src=\"a.png\" alt=\"an owl\">\n");
  EXPECT_NE(text.find("Hidden gems & tags"), std::string::npos) << text;
  EXPECT_NE(text.find("Inline red word\nnext line."), std::string::npos) << text;
  EXPECT_NE(text.find("an owl"), std::string::npos) << text;
  EXPECT_EQ(text.find("leaked"), std::string::npos) << text;
  EXPECT_EQ(text.find("comment"), std::string::npos) << text;
  EXPECT_EQ(text.find("class"), std::string::npos) << text;
  ExpectNoSyntax(text);
}

TEST(MarkdownToTextTest, KeepsMathAsTex) {
  const std::string text = MarkdownToText("Minimise $\\sum_i (y_i - a x_i)^2$ here.\n\n$$x^2$$\n");
  EXPECT_NE(text.find("$\\sum_i (y_i - a x_i)^2$"), std::string::npos) << text;
  EXPECT_NE(text.find("$$x^2$$"), std::string::npos) << text;
}

TEST(MarkdownToTextTest, DecodesEntitiesAndEscapes) {
  EXPECT_EQ(MarkdownToText("Caf&eacute; \\*not emphasis\\* &#x41;\n"), "Café *not emphasis* A\n");
}

TEST(MarkdownToTextTest, EmptyAndBlankInputGiveEmptyText) {
  EXPECT_EQ(MarkdownToText(""), "");
  EXPECT_EQ(MarkdownToText("\n\n   \n"), "");
  EXPECT_EQ(MarkdownToText("<!-- only a comment -->"), "");
}

TEST(MarkdownToTextTest, HostileInputEndsWithText) {
  // Deep nesting and unclosed constructs are Markdown too, which the parsers must end on.
  std::string nested(10'000, '>');
  nested += " deep\n";
  EXPECT_NE(MarkdownToText(nested).find("deep"), std::string::npos);
  std::string brackets(20'000, '[');
  brackets += "x";
  EXPECT_NE(MarkdownToText(brackets).find('x'), std::string::npos);
  // A run of '<' is no tag, so Markdown keeps it as text.
  const std::string angles = std::string(5'000, '<') + " tail";
  EXPECT_EQ(MarkdownToText(angles), angles + "\n");
  EXPECT_NE(HtmlToText("<div><p>unclosed <b>tail").find("unclosed tail"), std::string::npos);
  const std::string binary("\xff\xfe\x00<b>\x80 text", 13);
  EXPECT_NE(MarkdownToText(binary).find("text"), std::string::npos);
}

TEST(MarkdownToTextTest, ParsesFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&results, i] {
      for (int round = 0; round < 50; ++round) {
        results[i] = MarkdownToText("# Title\n\n<p>html <i>text</i></p>\n\n| a | b |\n|---|---|\n");
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const std::string& result : results) {
    EXPECT_EQ(result, "Title\nhtml text\na\nb\n");
  }
}

}  // namespace
}  // namespace openlabs::labs
