#pragma once

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <vector>

#include "common/error.h"
#include "services/assistant/passage_store.h"

namespace hnswlib {
template <typename T>
class HierarchicalNSW;
class InnerProductSpace;
}  // namespace hnswlib

namespace openlabs::assistant {

// Passage embeddings in an in-memory hnswlib graph, compared by cosine similarity (vectors are
// normalized, then ranked by inner product). The database keeps the vectors, so the graph is
// rebuilt from it at start-up. Thread-safe: searches share a lock, changes take it alone.
class VectorIndex {
 public:
  VectorIndex();
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // Adds a passage's vector. The first vector fixes the dimension; kInvalidArgument for a vector
  // of another dimension or of length zero.
  Status Add(int64_t passage_id, std::span<const float> vector);

  // Forgets the passages; ids that are not in the index are ignored.
  void Remove(std::span<const int64_t> passage_ids);

  // The `k` nearest passages to `query`, most similar first, with the cosine similarity as the
  // score. Empty when the index is empty or the dimension differs.
  std::vector<RankedPassage> Search(std::span<const float> query, size_t k) const;

  // The cosine similarity of `query` to each listed passage that is in the index, best first.
  // Used inside one document, where an exact comparison is cheap.
  std::vector<RankedPassage> Score(std::span<const float> query,
                                   std::span<const int64_t> passage_ids) const;

  size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  size_t dimension_ = 0;
  size_t count_ = 0;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

// `vector` scaled to length 1; unchanged when its length is 0.
std::vector<float> Normalized(std::span<const float> vector);

}  // namespace openlabs::assistant
