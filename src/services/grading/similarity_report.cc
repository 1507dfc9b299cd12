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

void SetSide(v1::RegionSide& side, const std::string& code, int first_line, int last_line) {
  side.set_first_line(first_line);
  side.set_last_line(last_line);
  side.set_text(ToValidUtf8(Lines(code, first_line, last_line)));
}

}  // namespace

Result<v1::SimilarityReport> BuildSimilarityReport(storage::BlobStore& blobs,
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

  v1::SimilarityReport report;
  report.set_lab_id(lab_id);
  report.set_threshold(threshold);
  report.set_submissions_compared(static_cast<int32_t>(codes.size()));
  for (const SimilarPair& pair : pairs) {
    if (static_cast<size_t>(report.pairs_size()) >= kMaxPairs) {
      break;
    }
    const SubmissionCode& a = codes[index_by_id[pair.submission_a]];
    const SubmissionCode& b = codes[index_by_id[pair.submission_b]];
    v1::SimilarSubmissionPair* item = report.add_pairs();
    item->set_submission_a(a.submission_id);
    item->set_learner_a(a.learner_id);
    item->set_submission_b(b.submission_id);
    item->set_learner_b(b.learner_id);
    item->set_score(pair.similarity.score);
    item->set_shared_fingerprints(pair.similarity.shared_fingerprints);
    for (const MatchRegion& region : pair.similarity.regions) {
      v1::MatchingRegion* matching = item->add_regions();
      SetSide(*matching->mutable_a(), a.code, region.first_line_a, region.last_line_a);
      SetSide(*matching->mutable_b(), b.code, region.first_line_b, region.last_line_b);
    }
  }
  report.set_method(
      "winnowing over normalized tokens (k = " + std::to_string(options.winnowing.kgram_tokens) +
      ", w = " + std::to_string(options.winnowing.window) +
      "); code shared by more than half of the learners is ignored; "
      "score = Jaccard similarity of the fingerprint sets");
  return report;
}

}  // namespace openlabs::grading
