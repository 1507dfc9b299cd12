#pragma once

#include <atomic>
#include <memory>

#include "common/config.h"
#include "services/articles/articles_service.h"
#include "services/assistant/answer_pool.h"
#include "services/assistant/chat_service.h"
#include "services/assistant/indexer.h"
#include "services/assistant/passage_store.h"
#include "services/assistant/retriever.h"
#include "services/assistant/vector_index.h"
#include "services/labs/labs_service.h"
#include "services/notebooks/notebooks_service.h"
#include "services/search/search_index.h"

namespace openlabs::app {

// The search index as the labs and articles services see it: every change goes to the real
// index and also queues an assistant index job, so the assistant's passages follow the content.
class IndexChangeFanout final : public search::SearchIndex {
 public:
  explicit IndexChangeFanout(search::SearchIndex& index) : index_(index) {}

  void AttachIndexer(assistant::Indexer& indexer) { indexer_.store(&indexer); }

  Status Upsert(const search::SearchDocument& document) override;
  Status Remove(std::string_view type, int64_t id) override;
  Result<search::SearchPage> Search(const search::SearchQuery& query) override {
    return index_.Search(query);
  }
  Result<int> TextVersion(std::string_view type) override { return index_.TextVersion(type); }
  Status SetTextVersion(std::string_view type, int version) override {
    return index_.SetTextVersion(type, version);
  }

 private:
  void Queue(std::string_view type, int64_t id);

  search::SearchIndex& index_;
  std::atomic<assistant::Indexer*> indexer_ = nullptr;
};

// Labs, articles and the original notebooks attached to them as assistant sources, and labs
// and articles as chat scopes. Notebooks are read as an anonymous caller, so learners' private
// copies are never indexed.
class AssistantContentAdapter final : public assistant::DocumentSource,
                                      public assistant::ScopeDirectory {
 public:
  AssistantContentAdapter(labs::LabsService& labs, articles::ArticlesService& articles,
                          notebooks::NotebooksService& notebooks)
      : labs_(labs), articles_(articles), notebooks_(notebooks) {}

  Result<std::optional<assistant::SourceDocument>> Load(std::string_view type,
                                                        int64_t id) override;
  Result<std::vector<assistant::SourceVersion>> List() override;
  Result<assistant::ScopeInfo> Describe(const assistant::Scope& scope) override;

 private:
  Result<std::optional<assistant::SourceDocument>> LoadNotebook(int64_t id);

  labs::LabsService& labs_;
  articles::ArticlesService& articles_;
  notebooks::NotebooksService& notebooks_;
};

// The assistant's parts, built in dependency order.
struct AssistantParts {
  std::unique_ptr<AssistantContentAdapter> content;
  std::unique_ptr<assistant::PassageStore> store;
  std::unique_ptr<assistant::VectorIndex> vectors;
  std::unique_ptr<assistant::Retriever> retriever;
  std::unique_ptr<assistant::Indexer> indexer;
  std::unique_ptr<assistant::ChatService> chat;
  std::unique_ptr<assistant::AnswerPool> answers;
};

AssistantParts MakeAssistant(const Config& config, storage::Database& database,
                             labs::LabsService& labs, articles::ArticlesService& articles,
                             notebooks::NotebooksService& notebooks);

}  // namespace openlabs::app
