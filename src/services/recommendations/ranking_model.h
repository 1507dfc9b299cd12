#pragma once

// The ranking model built from one snapshot of the activity. Immutable once built, so any number
// of threads may rank with it at once.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "services/recommendations/activity.h"

namespace openlabs::recommendations {

// Sparse vector of term weights, L2-normalised (empty when it has no term).
using TermVector = std::vector<std::pair<int, double>>;

// One ranked result. `reasons` name the signals that contributed, largest first.
struct Ranked {
  const CatalogItem* item = nullptr;
  double score = 0;
  std::vector<std::string> reasons;
};

// Weights of the three signals in a user's ranking, and of the two in the related-items ranking.
// Each signal is scaled to [0, 1] over the candidates before weighting.
struct RankingWeights {
  double co_occurrence = 0.5;
  double content = 0.35;
  double popularity = 0.15;
};

class RankingModel {
 public:
  explicit RankingModel(Activity activity, RankingWeights weights = {});

  // Items the user has not authored, solved, submitted to or reviewed, best first; at most
  // `limit`, of `type` ("lab", "article", or empty for both). A user with no history gets the
  // most popular items.
  std::vector<Ranked> Recommend(int64_t user_id, size_t limit, const std::string& type) const;

  // Items like the given one by co-occurrence and content, best first, without the item itself.
  // std::nullopt when the catalog has no such item.
  std::optional<std::vector<Ranked>> Related(const std::string& item_type, int64_t item_id,
                                             size_t limit, const std::string& type) const;

 private:
  struct Signals {
    double co_occurrence = 0;
    double content = 0;
    double popularity = 0;
  };

  std::optional<size_t> IndexOf(const std::string& type, int64_t id) const;
  void BuildTermVectors(const Activity& activity);
  void BuildCoOccurrence();
  std::vector<Ranked> Combine(const std::vector<Signals>& signals, const std::vector<bool>& allowed,
                              size_t limit, const RankingWeights& weights,
                              bool require_similarity) const;

  RankingWeights weights_;
  std::vector<CatalogItem> items_;
  std::map<std::pair<std::string, int64_t>, size_t> index_;
  std::vector<TermVector> item_terms_;
  std::vector<double> popularity_;  // in [0, 1]
  // Per user: item index to interaction weight (the strongest of the user's interactions).
  std::unordered_map<int64_t, std::map<size_t, double>> history_;
  // Per user: the term vector of what they wrote.
  std::unordered_map<int64_t, TermVector> written_;
  // Per item: cosine similarity to other items over the users' weighted histories.
  std::vector<std::map<size_t, double>> similar_;
  std::unordered_map<std::string, int> vocabulary_;
  std::vector<double> idf_;
};

}  // namespace openlabs::recommendations
