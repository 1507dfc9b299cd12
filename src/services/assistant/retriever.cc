#include "services/assistant/retriever.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

namespace openlabs::assistant {
namespace {

// Each ranking contributes this many candidates per requested passage before fusion.
constexpr int kCandidateFactor = 4;

}  // namespace

std::vector<RankedPassage> FuseRankings(const std::vector<std::vector<RankedPassage>>& rankings,
                                        int limit, double k) {
  std::unordered_map<int64_t, double> scores;
  std::vector<int64_t> order;
  for (const std::vector<RankedPassage>& ranking : rankings) {
    for (size_t rank = 0; rank < ranking.size(); ++rank) {
      auto [it, inserted] = scores.try_emplace(ranking[rank].id, 0.0);
      if (inserted) {
        order.push_back(ranking[rank].id);
      }
      it->second += 1.0 / (k + static_cast<double>(rank + 1));
    }
  }
  std::vector<RankedPassage> fused;
  for (const int64_t id : order) {
    fused.push_back({id, scores[id]});
  }
  // Stable, so that ties keep the order of the first ranking.
  std::stable_sort(fused.begin(), fused.end(), [](const RankedPassage& a, const RankedPassage& b) {
    return a.score > b.score;
  });
  if (fused.size() > static_cast<size_t>(std::max(limit, 0))) {
    fused.resize(static_cast<size_t>(std::max(limit, 0)));
  }
  return fused;
}

std::vector<RankedPassage> Retriever::RankDense(std::span<const float> query,
                                                const PassageFilter& filter, int limit) {
  if (filter.doc_id > 0 && !filter.exclude) {
    // Inside one document, compare with each of its passages exactly.
    Result<std::vector<int64_t>> ids = store_.PassageIdsOf(filter.doc_type, filter.doc_id);
    if (!ids) {
      spdlog::error("Loading the passage ids of {} {} failed: {}", filter.doc_type,
                    filter.doc_id, ids.error().internal);
      return {};
    }
    std::vector<RankedPassage> ranked = vectors_->Score(query, *ids);
    if (!filter.include_solutions) {
      Result<std::vector<StoredPassage>> loaded = store_.Load(*ids);
      if (loaded) {
        std::unordered_map<int64_t, bool> solution;
        for (const StoredPassage& passage : *loaded) {
          solution[passage.id] = passage.passage.solution;
        }
        std::erase_if(ranked, [&](const RankedPassage& item) { return solution[item.id]; });
      }
    }
    if (ranked.size() > static_cast<size_t>(limit)) {
      ranked.resize(static_cast<size_t>(limit));
    }
    return ranked;
  }

  // Across documents, take more neighbours than needed and drop those the filter excludes.
  std::vector<RankedPassage> candidates =
      vectors_->Search(query, static_cast<size_t>(limit) * kCandidateFactor);
  std::vector<int64_t> ids;
  for (const RankedPassage& candidate : candidates) {
    ids.push_back(candidate.id);
  }
  Result<std::vector<StoredPassage>> loaded = store_.Load(ids);
  if (!loaded) {
    spdlog::error("Loading dense candidates failed: {}", loaded.error().internal);
    return {};
  }
  std::unordered_map<int64_t, bool> allowed;
  for (const StoredPassage& passage : *loaded) {
    allowed[passage.id] = PassageStore::Matches(passage, filter);
  }
  std::vector<RankedPassage> ranked;
  for (const RankedPassage& candidate : candidates) {
    if (allowed[candidate.id] && ranked.size() < static_cast<size_t>(limit)) {
      ranked.push_back(candidate);
    }
  }
  return ranked;
}

Result<std::vector<RankedPassage>> Retriever::Rank(std::string_view question,
                                                   const PassageFilter& filter, int limit) {
  if (limit <= 0) {
    return std::vector<RankedPassage>();
  }
  const int candidates = limit * kCandidateFactor;
  Result<std::vector<RankedPassage>> lexical = store_.SearchLexical(question, filter, candidates);
  if (!lexical) {
    return Fail(lexical.error());
  }
  if (!dense_enabled() || vectors_->size() == 0) {
    if (lexical->size() > static_cast<size_t>(limit)) {
      lexical->resize(static_cast<size_t>(limit));
    }
    return lexical;
  }

  Result<std::vector<std::vector<float>>> query =
      CreateEmbeddings(embeddings_, {std::string(question)});
  if (!query) {
    // Retrieval still works without the dense half, so the failure is logged, not returned.
    spdlog::warn("Embedding a question failed; using lexical retrieval alone: {} {}",
                 query.error().message, query.error().internal);
    if (lexical->size() > static_cast<size_t>(limit)) {
      lexical->resize(static_cast<size_t>(limit));
    }
    return lexical;
  }
  const std::vector<RankedPassage> dense = RankDense((*query)[0], filter, candidates);
  return FuseRankings({*lexical, dense}, limit);
}

Result<std::vector<RetrievedPassage>> Retriever::Retrieve(std::string_view question,
                                                          const Scope& scope,
                                                          const RetrievalOptions& options) {
  PassageFilter own{.doc_type = scope.type,
                    .doc_id = scope.id,
                    .exclude = false,
                    .include_solutions = options.include_solutions};
  PassageFilter related = own;
  related.exclude = true;
  if (scope.id <= 0) {
    own.doc_id = 0;
  }

  Result<std::vector<RankedPassage>> in_scope = Rank(question, own, options.scope_limit);
  if (!in_scope) {
    return Fail(in_scope.error());
  }
  std::vector<RankedPassage> others;
  if (scope.id > 0 && options.related_limit > 0) {
    Result<std::vector<RankedPassage>> found = Rank(question, related, options.related_limit);
    if (!found) {
      return Fail(found.error());
    }
    others = std::move(*found);
  }

  std::vector<int64_t> ids;
  std::unordered_map<int64_t, double> scores;
  for (const RankedPassage& item : *in_scope) {
    ids.push_back(item.id);
    scores[item.id] = item.score;
  }
  for (const RankedPassage& item : others) {
    ids.push_back(item.id);
    scores[item.id] = item.score;
  }
  Result<std::vector<StoredPassage>> loaded = store_.Load(ids);
  if (!loaded) {
    return Fail(loaded.error());
  }
  std::vector<RetrievedPassage> retrieved;
  for (StoredPassage& stored : *loaded) {
    RetrievedPassage item;
    item.in_scope = scope.id > 0 && stored.doc_type == scope.type && stored.doc_id == scope.id;
    item.score = scores[stored.id];
    item.stored = std::move(stored);
    retrieved.push_back(std::move(item));
  }
  return retrieved;
}

}  // namespace openlabs::assistant
