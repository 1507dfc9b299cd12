#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "services/assistant/model_client.h"
#include "services/assistant/passage_store.h"
#include "services/assistant/vector_index.h"

namespace openlabs::assistant {

// The document a question is asked about.
struct Scope {
  std::string type;  // "lab", "article" or "notebook"
  int64_t id = 0;
};

struct RetrievalOptions {
  int scope_limit = 5;    // passages from the scope's own document
  int related_limit = 3;  // passages from other documents, after those
  bool include_solutions = true;
};

struct RetrievedPassage {
  StoredPassage stored;
  bool in_scope = false;
  double score = 0;  // fused score; higher is better
};

// Ranks passages for a question. BM25 through the database's full-text search always ranks
// them. When an embedding endpoint is set, cosine similarity in the vector index ranks them too,
// and reciprocal rank fusion merges the two lists (each list adds 1 / (60 + rank)). The scope's
// own passages come first, then related passages from other documents. Thread-safe.
class Retriever {
 public:
  // `vectors` and `embeddings` may be null or unset; then retrieval is lexical only.
  Retriever(PassageStore& store, VectorIndex* vectors, ModelEndpoint embeddings)
      : store_(store), vectors_(vectors), embeddings_(std::move(embeddings)) {}

  Result<std::vector<RetrievedPassage>> Retrieve(std::string_view question, const Scope& scope,
                                                 const RetrievalOptions& options);

  // The best `limit` passages under `filter`, fused as above.
  Result<std::vector<RankedPassage>> Rank(std::string_view question, const PassageFilter& filter,
                                          int limit);

  bool dense_enabled() const { return vectors_ != nullptr && embeddings_.configured(); }

 private:
  std::vector<RankedPassage> RankDense(std::span<const float> query, const PassageFilter& filter,
                                       int limit);

  PassageStore& store_;
  VectorIndex* vectors_;
  ModelEndpoint embeddings_;
};

// Reciprocal rank fusion of several rankings: each item scores the sum of 1 / (k + rank) over
// the rankings it appears in, rank counted from 1. Returns the best `limit` items.
std::vector<RankedPassage> FuseRankings(const std::vector<std::vector<RankedPassage>>& rankings,
                                        int limit, double k = 60);

}  // namespace openlabs::assistant
