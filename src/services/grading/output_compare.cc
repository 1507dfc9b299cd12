#include "services/grading/output_compare.h"

#include <vector>

namespace openlabs::grading {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// The lines of `text` with trailing spaces, tabs and carriage returns removed, without the
// trailing empty lines.
std::vector<std::string_view> TrimmedLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && IsSpace(line.back())) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  return lines;
}

std::vector<std::string_view> Tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) {
      ++i;
    }
    const size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) {
      ++i;
    }
    if (i > start) {
      tokens.push_back(text.substr(start, i - start));
    }
  }
  return tokens;
}

}  // namespace

bool OutputsMatch(std::string_view expected, std::string_view actual, CompareMode mode) {
  switch (mode) {
    case CompareMode::kExact:
      return expected == actual;
    case CompareMode::kTokens:
      return Tokens(expected) == Tokens(actual);
    case CompareMode::kWhitespace:
      break;
  }
  return TrimmedLines(expected) == TrimmedLines(actual);
}

}  // namespace openlabs::grading
