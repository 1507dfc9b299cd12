#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "common/error.h"
#include "openlabs/v1/recommendations.pb.h"
#include "services/recommendations/activity.h"
#include "services/recommendations/ranking_model.h"

namespace openlabs::recommendations {

struct RecommendationsOptions {
  RankingWeights weights;
  // The longest rebuild that callers wait for. After a longer one, callers get the current model
  // and the next model is built in the background.
  std::chrono::steady_clock::duration wait_for_rebuild = std::chrono::milliseconds(500);
};

// Recommendations of labs and articles: for a user, what to do next; for one item, the items
// like it. Rankings combine item-to-item co-occurrence in people's histories, TF-IDF similarity
// of titles, tags and text, and popularity. The model behind them is rebuilt on the first call
// after the activity's version changes, in the background on a site where rebuilds are slow.
// Implementations are thread-safe.
class RecommendationsService {
 public:
  virtual ~RecommendationsService() = default;

  // Items the user has not done, best first. kInvalidArgument for a limit outside 1 to 50 or
  // an unknown type.
  virtual Result<v1::RecommendationsResponse> Recommend(const v1::RecommendRequest& request) = 0;

  // Items related to one lab or article. kNotFound when it does not exist (or is archived).
  virtual Result<v1::RecommendationsResponse> Related(const v1::RelatedRequest& request) = 0;
};

std::unique_ptr<RecommendationsService> MakeRecommendationsService(
    std::unique_ptr<ActivitySource> source, RecommendationsOptions options = {});

}  // namespace openlabs::recommendations
