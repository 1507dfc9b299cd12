#include "services/submissions/verdicts.h"

#include <algorithm>
#include <vector>

namespace openlabs::submissions {

Decision Decide(std::span<const Vote> votes) {
  std::vector<int> scores;
  scores.reserve(votes.size());
  size_t accepts = 0;
  for (const Vote& vote : votes) {
    scores.push_back(vote.score);
    accepts += vote.accept ? 1 : 0;
  }
  std::sort(scores.begin(), scores.end());
  const int median = scores.empty() ? 0 : scores[(scores.size() - 1) / 2];

  const size_t rejects = votes.size() - accepts;
  Decision decision;
  decision.score = median;
  decision.accepted = accepts != rejects ? accepts > rejects : median >= kTieAcceptScore;
  return decision;
}

}  // namespace openlabs::submissions
