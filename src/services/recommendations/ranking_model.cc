#include "services/recommendations/ranking_model.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <string_view>

namespace openlabs::recommendations {
namespace {

// Interaction weights: how strongly an interaction signals a user's interests. Commenting is
// weak and does not count as having done the item, so it is the only kind still recommended.
constexpr double kAuthoredWeight = 1.0;
constexpr double kSolvedWeight = 1.0;
constexpr double kReviewedWeight = 0.8;
constexpr double kSubmittedWeight = 0.7;
constexpr double kCommentedWeight = 0.3;
constexpr double kDoneThreshold = kSubmittedWeight;

// Term repetitions per field: a word of the title or a tag weighs more than one of the body.
constexpr int kTitleRepeat = 3;
constexpr int kTagRepeat = 4;
constexpr int kSummaryRepeat = 2;
// The weight of what a user wrote against what they did, in their content profile.
constexpr double kWrittenProfileWeight = 0.5;
// Users with longer histories count only their strongest items in the co-occurrence counts,
// which grow with the square of the history length.
constexpr size_t kMaxHistoryForPairs = 300;
// A contribution below this share of the score is not listed as a reason.
constexpr double kMinReasonShare = 0.05;
// Related items need at least this content similarity when too few users did both.
constexpr double kMinRelatedContent = 0.02;
// Two items count as used by the same people only when at least this many users have both in
// their history, because a single user's pair is no evidence of a pattern.
constexpr int kMinSharedUsers = 2;

const std::set<std::string_view>& StopWords() {
  static const std::set<std::string_view> words = {
      "and",  "are", "but",   "can",  "for",  "from", "has",   "have", "how",   "its",
      "not",  "one", "our",   "out",  "that", "the",  "their", "then", "there", "these",
      "this", "use", "using", "was",  "what", "when", "which", "will", "with",  "you",
      "your", "all", "also",  "each", "into", "more", "must",  "than", "they",  "who"};
  return words;
}

double InteractionWeight(InteractionKind kind) {
  switch (kind) {
    case InteractionKind::kAuthored:
      return kAuthoredWeight;
    case InteractionKind::kSolved:
      return kSolvedWeight;
    case InteractionKind::kReviewed:
      return kReviewedWeight;
    case InteractionKind::kSubmitted:
      return kSubmittedWeight;
    case InteractionKind::kCommented:
      return kCommentedWeight;
  }
  return 0;
}

// Adds the lower-case words of three or more ASCII letters or digits, without stop words.
// Other bytes (punctuation, Markdown, UTF-8 sequences) separate words.
void CountWords(std::string_view text, int repeat, std::map<std::string, int>& counts) {
  std::string word;
  const auto flush = [&] {
    if (word.size() >= 3 && !StopWords().contains(word)) {
      counts[word] += repeat;
    }
    word.clear();
  };
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80 && std::isalnum(byte) != 0) {
      word += static_cast<char>(std::tolower(byte));
    } else {
      flush();
    }
  }
  flush();
}

std::map<std::string, int> ItemTerms(const CatalogItem& item) {
  std::map<std::string, int> counts;
  CountWords(item.title, kTitleRepeat, counts);
  CountWords(item.summary, kSummaryRepeat, counts);
  CountWords(item.text, 1, counts);
  for (const std::string& tag : item.tags) {
    counts["#" + tag] += kTagRepeat;
    CountWords(tag, 1, counts);
  }
  return counts;
}

void Normalize(TermVector& vector) {
  double norm = 0;
  for (const auto& [term, weight] : vector) {
    norm += weight * weight;
  }
  norm = std::sqrt(norm);
  if (norm == 0) {
    vector.clear();
    return;
  }
  for (auto& [term, weight] : vector) {
    weight /= norm;
  }
}

// Spreads a sparse vector over the whole vocabulary, so that each item's dot product with it
// reads only the item's own terms instead of merging two term lists.
std::vector<double> Densify(const TermVector& vector, size_t vocabulary_size) {
  std::vector<double> dense(vocabulary_size, 0.0);
  for (const auto& [term, weight] : vector) {
    dense[term] = weight;
  }
  return dense;
}

// The dot product of a sparse and a dense vector. Terms missing from either side add nothing.
double DotDense(const TermVector& sparse, const std::vector<double>& dense) {
  double sum = 0;
  for (const auto& [term, weight] : sparse) {
    const double other = dense[term];
    if (other != 0) {
      sum += weight * other;
    }
  }
  return sum;
}

TermVector FromMap(const std::map<int, double>& weights) {
  TermVector vector(weights.begin(), weights.end());
  Normalize(vector);
  return vector;
}

}  // namespace

RankingModel::RankingModel(Activity activity, RankingWeights weights)
    : weights_(weights), items_(std::move(activity.items)) {
  for (size_t i = 0; i < items_.size(); ++i) {
    index_[{items_[i].type, items_[i].id}] = i;
  }
  for (const Interaction& interaction : activity.interactions) {
    const std::optional<size_t> item = IndexOf(interaction.type, interaction.item_id);
    if (!item || interaction.user_id <= 0) {
      continue;
    }
    double& weight = history_[interaction.user_id][*item];
    weight = std::max(weight, InteractionWeight(interaction.kind));
  }
  BuildTermVectors(activity);
  BuildCoOccurrence();

  // Popularity: submissions, views and the people who engaged, on a log scale.
  std::vector<int64_t> people(items_.size(), 0);
  for (const auto& [user, items] : history_) {
    for (const auto& [item, weight] : items) {
      ++people[item];
    }
  }
  popularity_.resize(items_.size());
  double max_popularity = 0;
  for (size_t i = 0; i < items_.size(); ++i) {
    const double raw = static_cast<double>(items_[i].submissions) +
                       static_cast<double>(items_[i].views) / 20.0 + static_cast<double>(people[i]);
    popularity_[i] = std::log1p(raw);
    max_popularity = std::max(max_popularity, popularity_[i]);
  }
  for (double& value : popularity_) {
    value = max_popularity > 0 ? value / max_popularity : 0;
  }
}

std::optional<size_t> RankingModel::IndexOf(const std::string& type, int64_t id) const {
  auto found = index_.find({type, id});
  if (found == index_.end()) {
    return std::nullopt;
  }
  return found->second;
}

void RankingModel::BuildTermVectors(const Activity& activity) {
  // TF-IDF over the catalog: tf = 1 + ln(count), idf = 1 + ln((N + 1) / (df + 1)).
  std::vector<std::map<std::string, int>> counts;
  counts.reserve(items_.size());
  std::map<std::string, int> document_frequency;
  for (const CatalogItem& item : items_) {
    counts.push_back(ItemTerms(item));
    for (const auto& [term, count] : counts.back()) {
      ++document_frequency[term];
    }
  }
  for (const auto& [term, frequency] : document_frequency) {
    const int id = static_cast<int>(idf_.size());
    vocabulary_[term] = id;
    idf_.push_back(1.0 + std::log((static_cast<double>(items_.size()) + 1.0) / (frequency + 1.0)));
  }
  const auto to_vector = [&](const std::map<std::string, int>& term_counts) {
    std::map<int, double> weights;
    for (const auto& [term, count] : term_counts) {
      auto found = vocabulary_.find(term);
      if (found != vocabulary_.end()) {
        weights[found->second] = (1.0 + std::log(static_cast<double>(count))) * idf_[found->second];
      }
    }
    return FromMap(weights);
  };
  item_terms_.reserve(items_.size());
  for (const auto& term_counts : counts) {
    item_terms_.push_back(to_vector(term_counts));
  }

  std::unordered_map<int64_t, std::map<std::string, int>> written_counts;
  for (const WrittenText& written : activity.texts) {
    CountWords(written.text, 1, written_counts[written.user_id]);
  }
  for (const auto& [user, term_counts] : written_counts) {
    written_[user] = to_vector(term_counts);
  }
}

void RankingModel::BuildCoOccurrence() {
  // Item-to-item cosine over the users' weighted histories:
  // sim(i, j) = sum_u w(u, i) w(u, j) / (|w(., i)| |w(., j)|).
  std::vector<double> norms(items_.size(), 0);
  std::vector<std::map<size_t, int>> shared_users(items_.size());
  similar_.assign(items_.size(), {});
  for (const auto& [user, items] : history_) {
    std::vector<std::pair<size_t, double>> strongest(items.begin(), items.end());
    if (strongest.size() > kMaxHistoryForPairs) {
      std::partial_sort(strongest.begin(), strongest.begin() + kMaxHistoryForPairs, strongest.end(),
                        [](const auto& a, const auto& b) { return a.second > b.second; });
      strongest.resize(kMaxHistoryForPairs);
    }
    for (const auto& [item, weight] : strongest) {
      norms[item] += weight * weight;
    }
    for (const auto& [first, first_weight] : strongest) {
      for (const auto& [second, second_weight] : strongest) {
        if (first != second) {
          similar_[first][second] += first_weight * second_weight;
          ++shared_users[first][second];
        }
      }
    }
  }
  for (size_t i = 0; i < items_.size(); ++i) {
    std::erase_if(similar_[i],
                  [&](const auto& pair) { return shared_users[i][pair.first] < kMinSharedUsers; });
    for (auto& [j, sum] : similar_[i]) {
      sum /= std::sqrt(norms[i]) * std::sqrt(norms[j]);
    }
  }
}

std::vector<Ranked> RankingModel::Combine(const std::vector<Signals>& signals,
                                          const std::vector<bool>& allowed, size_t limit,
                                          const RankingWeights& weights,
                                          bool require_similarity) const {
  Signals max;
  for (size_t i = 0; i < items_.size(); ++i) {
    if (allowed[i]) {
      max.co_occurrence = std::max(max.co_occurrence, signals[i].co_occurrence);
      max.content = std::max(max.content, signals[i].content);
      max.popularity = std::max(max.popularity, signals[i].popularity);
    }
  }
  const auto scaled = [](double value, double maximum) {
    return maximum > 0 ? value / maximum : 0;
  };

  std::vector<Ranked> ranked;
  for (size_t i = 0; i < items_.size(); ++i) {
    if (!allowed[i]) {
      continue;
    }
    const Signals& signal = signals[i];
    if (require_similarity && signal.co_occurrence == 0 && signal.content < kMinRelatedContent) {
      continue;
    }
    const std::pair<double, const char*> parts[] = {
        {weights.co_occurrence * scaled(signal.co_occurrence, max.co_occurrence), "co_occurrence"},
        {weights.content * scaled(signal.content, max.content), "content"},
        {weights.popularity * scaled(signal.popularity, max.popularity), "popular"},
    };
    Ranked entry{.item = &items_[i]};
    for (const auto& [part, name] : parts) {
      entry.score += part;
    }
    std::vector<std::pair<double, const char*>> sorted(std::begin(parts), std::end(parts));
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [part, name] : sorted) {
      if (entry.score > 0 && part / entry.score >= kMinReasonShare) {
        entry.reasons.emplace_back(name);
      }
    }
    ranked.push_back(std::move(entry));
  }

  // Ties go to the more popular, then the newer item, so that the order is stable.
  std::sort(ranked.begin(), ranked.end(), [&](const Ranked& a, const Ranked& b) {
    if (a.score != b.score) {
      return a.score > b.score;
    }
    const size_t ai = index_.at({a.item->type, a.item->id});
    const size_t bi = index_.at({b.item->type, b.item->id});
    if (popularity_[ai] != popularity_[bi]) {
      return popularity_[ai] > popularity_[bi];
    }
    if (a.item->created_at != b.item->created_at) {
      return a.item->created_at > b.item->created_at;
    }
    return std::tie(a.item->type, a.item->id) < std::tie(b.item->type, b.item->id);
  });
  if (ranked.size() > limit) {
    ranked.resize(limit);
  }
  return ranked;
}

std::vector<Ranked> RankingModel::Recommend(int64_t user_id, size_t limit,
                                            const std::string& type) const {
  static const std::map<size_t, double> kNoHistory;
  auto history_found = history_.find(user_id);
  const std::map<size_t, double>& history =
      history_found == history_.end() ? kNoHistory : history_found->second;

  std::map<int, double> profile;
  for (const auto& [item, weight] : history) {
    for (const auto& [term, value] : item_terms_[item]) {
      profile[term] += weight * value;
    }
  }
  if (auto written = written_.find(user_id); written != written_.end()) {
    for (const auto& [term, value] : written->second) {
      profile[term] += kWrittenProfileWeight * value;
    }
  }
  const TermVector profile_vector = FromMap(profile);

  const std::vector<double> dense_profile = Densify(profile_vector, idf_.size());
  std::vector<Signals> signals(items_.size());
  std::vector<bool> allowed(items_.size(), false);
  for (size_t i = 0; i < items_.size(); ++i) {
    auto own = history.find(i);
    const bool done = own != history.end() && own->second >= kDoneThreshold;
    allowed[i] = !done && (type.empty() || items_[i].type == type);
    signals[i].popularity = popularity_[i];
    signals[i].content = DotDense(item_terms_[i], dense_profile);
  }
  for (const auto& [item, weight] : history) {
    for (const auto& [other, similarity] : similar_[item]) {
      signals[other].co_occurrence += weight * similarity;
    }
  }

  // A user with nothing to go on gets the most popular items.
  const bool cold = history.empty() && profile_vector.empty();
  const RankingWeights weights = cold ? RankingWeights{0, 0, 1} : weights_;
  return Combine(signals, allowed, limit, weights, false);
}

std::optional<std::vector<Ranked>> RankingModel::Related(const std::string& item_type,
                                                         int64_t item_id, size_t limit,
                                                         const std::string& type) const {
  const std::optional<size_t> source = IndexOf(item_type, item_id);
  if (!source) {
    return std::nullopt;
  }
  const std::vector<double> dense_source = Densify(item_terms_[*source], idf_.size());
  std::vector<Signals> signals(items_.size());
  std::vector<bool> allowed(items_.size(), false);
  for (size_t i = 0; i < items_.size(); ++i) {
    allowed[i] = i != *source && (type.empty() || items_[i].type == type);
    signals[i].content = DotDense(item_terms_[i], dense_source);
    signals[i].popularity = popularity_[i];
  }
  for (const auto& [other, similarity] : similar_[*source]) {
    signals[other].co_occurrence = similarity;
  }
  const RankingWeights related_weights{.co_occurrence = 0.5, .content = 0.4, .popularity = 0.1};
  return Combine(signals, allowed, limit, related_weights, true);
}

}  // namespace openlabs::recommendations
