#include "services/assistant/vector_index.h"

#include <hnswlib/hnswlib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace openlabs::assistant {
namespace {

constexpr size_t kInitialCapacity = 1024;
// hnswlib's graph parameters: M links per node, and the candidate list sizes used while
// building and while searching. These are hnswlib's usual values; a search for more than
// kEfSearch results uses k as its list size.
constexpr size_t kLinks = 16;
constexpr size_t kEfConstruction = 200;
constexpr size_t kEfSearch = 64;

}  // namespace

std::vector<float> Normalized(std::span<const float> vector) {
  double sum = 0;
  for (const float value : vector) {
    sum += static_cast<double>(value) * value;
  }
  std::vector<float> normalized(vector.begin(), vector.end());
  if (sum > 0) {
    const auto scale = static_cast<float>(1.0 / std::sqrt(sum));
    for (float& value : normalized) {
      value *= scale;
    }
  }
  return normalized;
}

VectorIndex::VectorIndex() = default;
VectorIndex::~VectorIndex() = default;

Status VectorIndex::Add(int64_t passage_id, std::span<const float> vector) {
  std::unique_lock lock(mutex_);
  if (vector.empty() || (dimension_ != 0 && vector.size() != dimension_)) {
    return Fail(Error::InvalidArgument("The vector has " + std::to_string(vector.size()) +
                                       " values; the index holds vectors of " +
                                       std::to_string(dimension_) + "."));
  }
  if (!graph_) {
    dimension_ = vector.size();
    space_ = std::make_unique<hnswlib::InnerProductSpace>(dimension_);
    graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), kInitialCapacity,
                                                               kLinks, kEfConstruction);
    graph_->setEf(kEfSearch);
  }
  if (graph_->cur_element_count >= graph_->max_elements_) {
    graph_->resizeIndex(graph_->max_elements_ * 2);
  }
  const std::vector<float> normalized = Normalized(vector);
  graph_->addPoint(normalized.data(), static_cast<hnswlib::labeltype>(passage_id));
  ++count_;
  return {};
}

void VectorIndex::Remove(std::span<const int64_t> passage_ids) {
  std::unique_lock lock(mutex_);
  if (!graph_) {
    return;
  }
  for (const int64_t id : passage_ids) {
    try {
      graph_->markDelete(static_cast<hnswlib::labeltype>(id));
      --count_;
    } catch (const std::runtime_error&) {
      // Not in the index: the passage was never embedded.
    }
  }
}

std::vector<RankedPassage> VectorIndex::Search(std::span<const float> query, size_t k) const {
  std::shared_lock lock(mutex_);
  std::vector<RankedPassage> ranked;
  if (!graph_ || query.size() != dimension_ || count_ == 0 || k == 0) {
    return ranked;
  }
  const std::vector<float> normalized = Normalized(query);
  auto results = graph_->searchKnn(normalized.data(), std::min(k, count_));
  while (!results.empty()) {
    // InnerProductSpace returns 1 - dot product as the distance.
    ranked.push_back({static_cast<int64_t>(results.top().second), 1.0 - results.top().first});
    results.pop();
  }
  std::reverse(ranked.begin(), ranked.end());
  return ranked;
}

std::vector<RankedPassage> VectorIndex::Score(std::span<const float> query,
                                              std::span<const int64_t> passage_ids) const {
  std::shared_lock lock(mutex_);
  std::vector<RankedPassage> ranked;
  if (!graph_ || query.size() != dimension_) {
    return ranked;
  }
  const std::vector<float> normalized = Normalized(query);
  for (const int64_t id : passage_ids) {
    std::vector<float> vector;
    try {
      vector = graph_->getDataByLabel<float>(static_cast<hnswlib::labeltype>(id));
    } catch (const std::runtime_error&) {
      continue;
    }
    double dot = 0;
    for (size_t i = 0; i < dimension_; ++i) {
      dot += static_cast<double>(vector[i]) * normalized[i];
    }
    ranked.push_back({id, dot});
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const RankedPassage& a, const RankedPassage& b) { return a.score > b.score; });
  return ranked;
}

size_t VectorIndex::size() const {
  std::shared_lock lock(mutex_);
  return count_;
}

}  // namespace openlabs::assistant
