#pragma once

#include <span>

namespace openlabs::submissions {

// One counted review of a submission.
struct Vote {
  bool accept = false;
  int score = 0;  // 0 to 100
};

struct Decision {
  bool accepted = false;
  int score = 0;
};

// The score at or above which a tie of verdicts accepts.
inline constexpr int kTieAcceptScore = 50;

// Decides a submission from its reviews: the majority verdict wins; on a tie the median score
// decides (kTieAcceptScore or more accepts). The score is the median, the lower of the two
// middle scores for an even count, so it is always a score some reviewer gave. `votes` must not
// be empty.
Decision Decide(std::span<const Vote> votes);

}  // namespace openlabs::submissions
