#include "services/grading/similarity.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

namespace openlabs::grading {
namespace {

// Keywords of C, C++, Java and Python, kept as themselves because they carry the structure.
const std::unordered_set<std::string_view>& Keywords() {
  static const std::unordered_set<std::string_view> kKeywords = {
      "auto",   "break",   "case",      "char",    "const",    "continue", "default",  "do",
      "double", "else",    "enum",      "extern",  "float",    "for",      "goto",     "if",
      "int",    "long",    "register",  "return",  "short",    "signed",   "sizeof",   "static",
      "struct", "switch",  "typedef",   "union",   "unsigned", "void",     "volatile", "while",
      "bool",   "class",   "new",       "delete",  "this",     "try",      "catch",    "throw",
      "public", "private", "protected", "boolean", "import",   "package",  "extends",  "implements",
      "final",  "def",     "elif",      "in",      "not",      "and",      "or",       "is",
      "lambda", "pass",    "yield",     "with",    "as",       "from",     "None",     "True",
      "False",  "print",   "printf",    "scanf",   "main",     "null",     "true",     "false"};
  return kKeywords;
}

constexpr std::array<std::string_view, 24> kTwoCharOperators = {
    "==", "!=", "<=", ">=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=",
    "%=", "&=", "|=", "^=", "->", "<<", ">>", "::", "**", "//", "<>", ":="};

bool IsIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentifierPart(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Skips a quoted literal starting at `i` (the quote); returns the index after it. A newline ends
// an unterminated literal.
size_t SkipQuoted(std::string_view source, size_t i, int& line) {
  const char quote = source[i++];
  while (i < source.size() && source[i] != quote && source[i] != '\n') {
    if (source[i] == '\\' && i + 1 < source.size()) {
      line += source[i + 1] == '\n' ? 1 : 0;
      ++i;
    }
    ++i;
  }
  return std::min(source.size(), i + 1);
}

uint64_t HashKgram(const std::vector<CodeToken>& tokens, size_t start, int k) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (size_t i = start; i < start + static_cast<size_t>(k); ++i) {
    for (char c : tokens[i].text) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    hash = (hash ^ 0xff) * 1099511628211ull;  // token separator
  }
  return hash;
}

std::vector<uint64_t> UniqueHashes(const CodeFingerprints& code) {
  std::vector<uint64_t> hashes;
  hashes.reserve(code.fingerprints.size());
  for (const Fingerprint& print : code.fingerprints) {
    hashes.push_back(print.hash);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

// Merges matching k-gram positions into regions: a pair extends the current region when both
// sides move forward by at most `gap` tokens.
std::vector<MatchRegion> MergeRegions(std::vector<std::pair<int, int>> matches,
                                      const CodeFingerprints& a, const CodeFingerprints& b, int k,
                                      int gap) {
  std::sort(matches.begin(), matches.end());
  std::vector<MatchRegion> regions;
  int last_a = -1;
  int last_b = -1;
  for (const auto& [index_a, index_b] : matches) {
    const int end_a = std::min<int>(index_a + k - 1, static_cast<int>(a.tokens.size()) - 1);
    const int end_b = std::min<int>(index_b + k - 1, static_cast<int>(b.tokens.size()) - 1);
    const bool extends = !regions.empty() && index_a - last_a <= gap && index_b > last_b - k &&
                         index_b - last_b <= gap;
    if (extends) {
      MatchRegion& region = regions.back();
      region.last_line_a = std::max(region.last_line_a, a.tokens[end_a].line);
      region.last_line_b = std::max(region.last_line_b, b.tokens[end_b].line);
      region.first_line_b = std::min(region.first_line_b, b.tokens[index_b].line);
    } else {
      regions.push_back({a.tokens[index_a].line, a.tokens[end_a].line, b.tokens[index_b].line,
                         b.tokens[end_b].line});
    }
    last_a = index_a;
    last_b = index_b;
  }
  return regions;
}

}  // namespace

std::vector<CodeToken> NormalizeTokens(std::string_view source) {
  std::vector<CodeToken> tokens;
  int line = 1;
  size_t i = 0;
  while (i < source.size()) {
    const char c = source[i];
    if (c == '\n') {
      ++line;
      ++i;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    // Preprocessor lines (C) and comments (Python) both start with '#'.
    if (c == '#') {
      while (i < source.size() && source[i] != '\n') {
        ++i;
      }
      continue;
    }
    if (source.substr(i, 2) == "//") {
      while (i < source.size() && source[i] != '\n') {
        ++i;
      }
      continue;
    }
    if (source.substr(i, 2) == "/*") {
      const size_t end = source.find("*/", i + 2);
      const size_t stop = end == std::string_view::npos ? source.size() : end + 2;
      line += static_cast<int>(std::count(source.begin() + i, source.begin() + stop, '\n'));
      i = stop;
      continue;
    }
    const int token_line = line;
    if (c == '"' || c == '\'') {
      i = SkipQuoted(source, i, line);
      tokens.push_back({c == '"' ? "S" : "C", token_line});
      continue;
    }
    if (IsIdentifierStart(c)) {
      const size_t start = i;
      while (i < source.size() && IsIdentifierPart(source[i])) {
        ++i;
      }
      const std::string_view word = source.substr(start, i - start);
      tokens.push_back({Keywords().contains(word) ? std::string(word) : "V", token_line});
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < source.size() &&
         std::isdigit(static_cast<unsigned char>(source[i + 1])))) {
      while (i < source.size() && (IsIdentifierPart(source[i]) || source[i] == '.')) {
        ++i;
      }
      tokens.push_back({"N", token_line});
      continue;
    }
    const std::string_view pair = source.substr(i, 2);
    if (std::find(kTwoCharOperators.begin(), kTwoCharOperators.end(), pair) !=
        kTwoCharOperators.end()) {
      tokens.push_back({std::string(pair), token_line});
      i += 2;
      continue;
    }
    tokens.push_back({std::string(1, c), token_line});
    ++i;
  }
  return tokens;
}

CodeFingerprints FingerprintCode(std::string_view source, const WinnowingOptions& options) {
  CodeFingerprints result;
  result.tokens = NormalizeTokens(source);
  const int k = std::max(1, options.kgram_tokens);
  const int w = std::max(1, options.window);
  if (result.tokens.size() < static_cast<size_t>(k)) {
    return result;
  }
  const size_t count = result.tokens.size() - static_cast<size_t>(k) + 1;
  std::vector<uint64_t> hashes(count);
  for (size_t i = 0; i < count; ++i) {
    hashes[i] = HashKgram(result.tokens, i, k);
  }
  // Of each window, keep the rightmost minimal hash, and record it once per run of windows.
  int last_selected = -1;
  const size_t windows = count >= static_cast<size_t>(w) ? count - w + 1 : 1;
  for (size_t start = 0; start < windows; ++start) {
    const size_t end = std::min(count, start + static_cast<size_t>(w));
    size_t best = start;
    for (size_t i = start; i < end; ++i) {
      if (hashes[i] <= hashes[best]) {
        best = i;
      }
    }
    if (static_cast<int>(best) != last_selected) {
      result.fingerprints.push_back({hashes[best], static_cast<int>(best)});
      last_selected = static_cast<int>(best);
    }
  }
  return result;
}

SimilarityScore CompareFingerprints(const CodeFingerprints& a, const CodeFingerprints& b,
                                    const WinnowingOptions& options,
                                    std::span<const uint64_t> ignored) {
  auto keep = [&](uint64_t hash) {
    return !std::binary_search(ignored.begin(), ignored.end(), hash);
  };
  std::vector<uint64_t> hashes_a = UniqueHashes(a);
  std::vector<uint64_t> hashes_b = UniqueHashes(b);
  std::erase_if(hashes_a, [&](uint64_t hash) { return !keep(hash); });
  std::erase_if(hashes_b, [&](uint64_t hash) { return !keep(hash); });
  std::vector<uint64_t> shared;
  std::set_intersection(hashes_a.begin(), hashes_a.end(), hashes_b.begin(), hashes_b.end(),
                        std::back_inserter(shared));
  SimilarityScore result;
  result.shared_fingerprints = static_cast<int>(shared.size());
  const size_t union_size = hashes_a.size() + hashes_b.size() - shared.size();
  result.score = union_size == 0 ? 0 : static_cast<double>(shared.size()) / union_size;
  if (shared.empty()) {
    return result;
  }
  std::unordered_multimap<uint64_t, int> positions_b;
  for (const Fingerprint& print : b.fingerprints) {
    if (std::binary_search(shared.begin(), shared.end(), print.hash)) {
      positions_b.emplace(print.hash, print.token_index);
    }
  }
  std::vector<std::pair<int, int>> matches;
  for (const Fingerprint& print : a.fingerprints) {
    auto [first, last] = positions_b.equal_range(print.hash);
    for (auto it = first; it != last; ++it) {
      matches.emplace_back(print.token_index, it->second);
    }
  }
  const int k = std::max(1, options.kgram_tokens);
  result.regions = MergeRegions(std::move(matches), a, b, k, k + options.window);
  return result;
}

std::vector<SimilarPair> FindSimilarPairs(std::span<const SubmissionCode> submissions,
                                          const PairSearchOptions& options) {
  std::vector<CodeFingerprints> prints;
  prints.reserve(submissions.size());
  for (const SubmissionCode& submission : submissions) {
    prints.push_back(FingerprintCode(submission.code, options.winnowing));
  }
  // Count each hash once per learner, so that one learner's many revisions do not make their
  // own code look like shared boilerplate.
  std::unordered_map<uint64_t, std::unordered_set<int64_t>> learners_by_hash;
  std::unordered_set<int64_t> learners;
  for (size_t i = 0; i < submissions.size(); ++i) {
    learners.insert(submissions[i].learner_id);
    for (uint64_t hash : UniqueHashes(prints[i])) {
      learners_by_hash[hash].insert(submissions[i].learner_id);
    }
  }
  std::vector<uint64_t> ignored;
  if (options.common_fraction < 1 && learners.size() >= 3) {
    for (const auto& [hash, holders] : learners_by_hash) {
      // Two learners sharing code is what the report looks for, so a hash held by two is
      // never taken for boilerplate, however small the class.
      if (holders.size() > 2 &&
          static_cast<double>(holders.size()) > options.common_fraction * learners.size()) {
        ignored.push_back(hash);
      }
    }
    std::sort(ignored.begin(), ignored.end());
  }
  std::vector<SimilarPair> pairs;
  for (size_t i = 0; i < submissions.size(); ++i) {
    for (size_t j = i + 1; j < submissions.size(); ++j) {
      if (!options.include_same_learner && submissions[i].learner_id == submissions[j].learner_id) {
        continue;
      }
      SimilarityScore score = CompareFingerprints(prints[i], prints[j], options.winnowing, ignored);
      if (score.score >= options.threshold) {
        pairs.push_back(
            {submissions[i].submission_id, submissions[j].submission_id, std::move(score)});
      }
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const SimilarPair& x, const SimilarPair& y) {
    return x.similarity.score > y.similarity.score;
  });
  return pairs;
}

}  // namespace openlabs::grading
