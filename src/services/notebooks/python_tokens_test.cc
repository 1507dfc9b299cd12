#include "services/notebooks/python_tokens.h"

#include <gtest/gtest.h>

#include "services/notebooks/cell_analysis.h"

namespace openlabs::notebooks {
namespace {

std::vector<std::string> Texts(std::string_view source, TokenizeOptions options = {}) {
  Result<std::vector<Token>> tokens = TokenizePython(source, options);
  EXPECT_TRUE(tokens) << tokens.error().message;
  std::vector<std::string> texts;
  for (const Token& token : *tokens) {
    if (token.kind == TokenKind::kNewline) {
      texts.push_back("NL");
    } else if (token.kind == TokenKind::kIndent) {
      texts.push_back("IN");
    } else if (token.kind == TokenKind::kDedent) {
      texts.push_back("DE");
    } else if (token.kind != TokenKind::kEnd) {
      texts.emplace_back(token.text);
    }
  }
  return texts;
}

TEST(PythonTokens, IndentationAndComments) {
  const std::vector<std::string> expected = {"def", "f",  "(",  ")", ":", "NL", "IN", "return",
                                             "1",   "NL", "DE", "x", "=", "2",  "NL"};
  EXPECT_EQ(Texts("def f():\n    # comment\n\n    return 1\nx = 2\n"), expected);
}

TEST(PythonTokens, BracketsJoinLines) {
  const std::vector<std::string> expected = {"x", "=", "(", "1", ",", "2", ")", "NL"};
  EXPECT_EQ(Texts("x = (1,\n     2)\n"), expected);
}

TEST(PythonTokens, StringsWithPrefixesAndQuotes) {
  const std::vector<std::string> expected = {
      "a", "=", "rb'\\''", "NL", "b", "=", "\"\"\"x\n\"y\" \"\"\"", "NL"};
  EXPECT_EQ(Texts("a = rb'\\''\nb = \"\"\"x\n\"y\" \"\"\"\n"), expected);
}

TEST(PythonTokens, FStringFieldsExpanded) {
  // A field nested in a format specification comes before the field that contains it.
  const std::vector<std::string> expected = {
      "f\"{a['k']!r:>{width}} {{b}}\"", "(", "width", ")", "(", "a", "[", "'k'", "]", ")", "NL"};
  EXPECT_EQ(Texts("f\"{a['k']!r:>{width}} {{b}}\"\n", {.expand_fstrings = true}), expected);
}

TEST(PythonTokens, NestedSameQuotesInFString) {
  Result<std::vector<Token>> tokens = TokenizePython("f\"{d[\"key\"]}\"\n");
  ASSERT_TRUE(tokens) << tokens.error().message;
  EXPECT_EQ((*tokens)[0].text, "f\"{d[\"key\"]}\"");
}

TEST(PythonTokens, RejectsUnterminatedString) {
  Result<std::vector<Token>> tokens = TokenizePython("x = 'abc\ny = 1\n");
  ASSERT_FALSE(tokens);
  EXPECT_NE(tokens.error().message.find("line 1"), std::string::npos);
}

TEST(PythonTokens, RejectsUnclosedBracket) {
  EXPECT_FALSE(TokenizePython("x = (1,\n"));
  EXPECT_FALSE(TokenizePython("x = 1)\n"));
}

TEST(PythonTokens, DeepNestingIsRejectedNotCrashing) {
  const std::string brackets(100000, '(');
  Result<std::vector<Token>> deep_brackets = TokenizePython(brackets);
  ASSERT_FALSE(deep_brackets);
  EXPECT_NE(deep_brackets.error().message.find("nested more than 200"), std::string::npos);

  std::string fstrings;
  for (int i = 0; i < 10000; ++i) {
    fstrings += "f'{";
  }
  Result<std::vector<Token>> deep_fstrings = TokenizePython(fstrings, {.expand_fstrings = true});
  ASSERT_FALSE(deep_fstrings);
  EXPECT_NE(deep_fstrings.error().message.find("f-strings are nested"), std::string::npos);

  std::string lambdas = "f = ";
  for (int i = 0; i < 100000; ++i) {
    lambdas += "lambda: ";
  }
  const CellNames names = AnalyzeCell(lambdas + "x\n");
  EXPECT_TRUE(names.defs.contains("f"));
}

TEST(PythonTokens, DecodesStringLiterals) {
  EXPECT_EQ(DecodeStringLiteral("'a\\nb'").value(), "a\nb");
  EXPECT_EQ(DecodeStringLiteral("r'a\\nb'").value(), "a\\nb");
  EXPECT_EQ(DecodeStringLiteral("\"\\u00e9\\x41\"").value(),
            "\xC3\xA9"
            "A");
  EXPECT_EQ(DecodeStringLiteral("'''x'''").value(), "x");
  EXPECT_FALSE(DecodeStringLiteral("f'{x}'"));
}

TEST(CellAnalysis, AssignmentsImportsAndDefinitions) {
  const CellNames names = AnalyzeCell(
      "import numpy as np\nimport os.path\nfrom math import (pi, tau as t)\n"
      "a, (b, *c) = f(x)\nd: int = 1\ndef g(p, q=default):\n    r = p + y\n    return r\n"
      "class K(Base):\n    attr = 1\n_private = 2\nobj.field = z\nitems[i] = 3\n");
  const std::set<std::string> defs = {"K", "a", "b", "c", "d", "g", "np", "os", "pi", "t"};
  const std::set<std::string> refs = {"Base",  "default", "f", "i", "int",
                                      "items", "obj",     "x", "y", "z"};
  EXPECT_EQ(names.defs, defs);
  EXPECT_EQ(names.refs, refs);
  EXPECT_FALSE(names.is_async);
}

TEST(CellAnalysis, InnerScopesAreNotReferences) {
  const CellNames names = AnalyzeCell(
      "total = sum(v * k for v in values)\nsquare = lambda n: n * n + offset\n"
      "[w for w in words if w != stop]\nif (found := len(words)) > 0:\n    print(found)\n"
      "mo.md(f\"value {slider.value:.{digits}f}\")\n");
  const std::set<std::string> defs = {"found", "square", "total"};
  const std::set<std::string> refs = {"digits", "k",    "len", "mo",     "offset", "print",
                                      "slider", "stop", "sum", "values", "words"};
  EXPECT_EQ(names.defs, defs);
  EXPECT_EQ(names.refs, refs);
}

TEST(CellAnalysis, GlobalDeclarationsAndAwait) {
  const CellNames names = AnalyzeCell(
      "def setter():\n    global counter\n    counter = 1\nawait asyncio.sleep(0)\n"
      "for i in range(3):\n    pass\nwith open(p) as handle:\n    pass\n");
  const std::set<std::string> defs = {"counter", "handle", "i", "setter"};
  EXPECT_EQ(names.defs, defs);
  EXPECT_TRUE(names.is_async);
  EXPECT_TRUE(names.refs.contains("asyncio"));
  EXPECT_FALSE(names.refs.contains("counter"));
}

TEST(CellAnalysis, KeywordArgumentsAreNotReferences) {
  const CellNames names = AnalyzeCell("slider = mo.ui.slider(start=1, stop=n, label=title)\n");
  const std::set<std::string> refs = {"mo", "n", "title"};
  EXPECT_EQ(names.refs, refs);
}

}  // namespace
}  // namespace openlabs::notebooks
