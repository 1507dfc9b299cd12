// Source-code similarity by winnowing over normalized tokens. Identifiers, numbers and string
// literals are replaced by placeholders and comments and layout are dropped, so renaming
// variables or reformatting does not hide copied code. Each run of k tokens is hashed, and of
// every window of w consecutive hashes the minimum is kept as a fingerprint, so any match of at
// least w + k - 1 tokens shares a fingerprint.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace openlabs::grading {

// One token after normalization, with the 1-based source line it starts on.
struct CodeToken {
  std::string text;
  int line = 0;
};

// Splits C-family or Python source into tokens. Identifiers other than keywords become "V",
// numbers "N", string literals "S" and character literals "C". Comments, preprocessor lines and
// whitespace are dropped.
std::vector<CodeToken> NormalizeTokens(std::string_view source);

struct WinnowingOptions {
  int kgram_tokens = 6;  // k: tokens per hashed k-gram; shorter matches are not detected
  int window = 5;        // w: k-grams per winnowing window; longer matches are always detected
};

// A selected k-gram hash and the index of its first token.
struct Fingerprint {
  uint64_t hash = 0;
  int token_index = 0;
};

struct CodeFingerprints {
  std::vector<CodeToken> tokens;
  std::vector<Fingerprint> fingerprints;
};

CodeFingerprints FingerprintCode(std::string_view source, const WinnowingOptions& options = {});

// Lines of two sources that share fingerprints, side by side.
struct MatchRegion {
  int first_line_a = 0;
  int last_line_a = 0;
  int first_line_b = 0;
  int last_line_b = 0;
};

struct SimilarityScore {
  // Jaccard similarity of the two sets of fingerprint hashes, from 0 to 1.
  double score = 0;
  int shared_fingerprints = 0;
  std::vector<MatchRegion> regions;
};

// Compares two fingerprinted sources, ignoring the hashes in `ignored` (sorted), such as code
// that most submissions share because the lab hands it out.
SimilarityScore CompareFingerprints(const CodeFingerprints& a, const CodeFingerprints& b,
                                    const WinnowingOptions& options,
                                    std::span<const uint64_t> ignored = {});

// One submission's code for FindSimilarPairs.
struct SubmissionCode {
  int64_t submission_id = 0;
  int64_t learner_id = 0;
  std::string code;
};

struct SimilarPair {
  int64_t submission_a = 0;
  int64_t submission_b = 0;
  SimilarityScore similarity;
};

struct PairSearchOptions {
  WinnowingOptions winnowing;
  double threshold = 0.5;  // pairs scoring below it are left out
  // Hashes found in the code of more than this fraction of learners, and of at least three,
  // are shared boilerplate (a handed-out template, the usual input loop) and are ignored. So
  // code copied among more than this fraction of a class is not reported. 1 keeps every hash.
  double common_fraction = 0.5;
  bool include_same_learner = false;  // compare a learner's own submissions with each other
};

// Every pair of submissions whose similarity reaches the threshold, highest score first.
std::vector<SimilarPair> FindSimilarPairs(std::span<const SubmissionCode> submissions,
                                          const PairSearchOptions& options);

}  // namespace openlabs::grading
