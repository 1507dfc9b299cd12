#include "services/grading/similarity_report.h"

#include <map>
#include <sstream>

#include "services/grading/grade_report.h"
#include "services/grading/similarity.h"
#include "services/grading/submission_files.h"

namespace openlabs::grading {
namespace {

constexpr size_t kMaxPairs = 200;
constexpr int kMaxRegionLines = 80;

// Lines first..last (1-based, inclusive) of `text`.
std::string Lines(const std::string& text, int first, int last) {
  std::istringstream stream(text);
  std::string line;
  std::string out;
  last = std::min(last, first + kMaxRegionLines - 1);
  for (int number = 1; std::getline(stream, line) && number <= last; ++number) {
    if (number >= first) {
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace

Result<nlohmann::json> BuildSimilarityReport(storage::BlobStore& blobs,
                                             SubmissionDirectory& directory, int64_t lab_id,
                                             double threshold, int max_submissions) {
  Result<std::vector<int64_t>> ids = directory.ListLabSubmissions(lab_id, max_submissions);
  if (!ids) {
    return Fail(ids.error());
  }
  std::vector<SubmissionCode> codes;
  std::map<int64_t, size_t> index_by_id;
  for (int64_t id : *ids) {
    Result<SubmissionSnapshot> submission = directory.GetSubmission(id);
    if (!submission) {
      continue;  // deleted since it was listed
    }
    Result<std::string> code = ReadSubmissionCode(blobs, *submission);
    if (!code) {
      return Fail(code.error());
    }
    index_by_id[id] = codes.size();
    codes.push_back({id, submission->learner_id, std::move(*code)});
  }
  PairSearchOptions options;
  options.threshold = threshold;
  const std::vector<SimilarPair> pairs = FindSimilarPairs(codes, options);

  nlohmann::json items = nlohmann::json::array();
  for (const SimilarPair& pair : pairs) {
    if (items.size() >= kMaxPairs) {
      break;
    }
    const SubmissionCode& a = codes[index_by_id[pair.submission_a]];
    const SubmissionCode& b = codes[index_by_id[pair.submission_b]];
    nlohmann::json regions = nlohmann::json::array();
    for (const MatchRegion& region : pair.similarity.regions) {
      regions.push_back(
          {{"a",
            {{"first_line", region.first_line_a},
             {"last_line", region.last_line_a},
             {"text", ToValidUtf8(Lines(a.code, region.first_line_a, region.last_line_a))}}},
           {"b",
            {{"first_line", region.first_line_b},
             {"last_line", region.last_line_b},
             {"text", ToValidUtf8(Lines(b.code, region.first_line_b, region.last_line_b))}}}});
    }
    items.push_back({{"submission_a", a.submission_id},
                     {"learner_a", a.learner_id},
                     {"submission_b", b.submission_id},
                     {"learner_b", b.learner_id},
                     {"score", pair.similarity.score},
                     {"shared_fingerprints", pair.similarity.shared_fingerprints},
                     {"regions", std::move(regions)}});
  }
  return nlohmann::json{
      {"lab_id", lab_id},
      {"threshold", threshold},
      {"submissions_compared", codes.size()},
      {"pairs", std::move(items)},
      {"method",
       "winnowing over normalized tokens (k = " + std::to_string(options.winnowing.kgram_tokens) +
           ", w = " + std::to_string(options.winnowing.window) +
           "); code shared by more than half of the learners is ignored; "
           "score = Jaccard similarity of the fingerprint sets"}};
}

}  // namespace openlabs::grading
