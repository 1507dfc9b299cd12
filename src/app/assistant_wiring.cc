#include "app/assistant_wiring.h"

#include <spdlog/spdlog.h>

#include <set>
#include <string>
#include <utility>

namespace openlabs::app {
namespace {

// Rows per export call when the indexer lists every source (the services allow up to 5,000).
constexpr int kExportPageSize = 2000;
constexpr size_t kMaxQueuedAnswers = 64;

// Reads every page of a service's Export call, from the first id on, and calls `visit` with each
// item. `export_page` sets any further fields of the `Request` and calls the service.
template <typename Request, typename ExportPage, typename Visit>
Status ForEachExported(ExportPage export_page, Visit visit) {
  for (int64_t after_id = 0;;) {
    Request request;
    request.set_after_id(after_id);
    request.set_limit(kExportPageSize);
    auto page = export_page(request);
    if (!page) {
      return Fail(page.error());
    }
    for (const auto& item : page->items()) {
      visit(item);
    }
    after_id = page->next_after_id();
    if (after_id == 0) {
      return {};
    }
  }
}

}  // namespace

Status IndexChangeFanout::Upsert(const search::SearchDocument& document) {
  Status status = index_.Upsert(document);
  Queue(document.type, document.id);
  return status;
}

Status IndexChangeFanout::Remove(std::string_view type, int64_t id) {
  Status status = index_.Remove(type, id);
  Queue(type, id);
  return status;
}

// A job that fails to queue is caught up with when the indexer next starts, because it then
// compares every source's version with the indexed one.
void IndexChangeFanout::Queue(std::string_view type, int64_t id) {
  assistant::Indexer* indexer = indexer_.load();
  if (indexer == nullptr) {
    return;
  }
  if (Status queued = indexer->Enqueue(type, id); !queued) {
    spdlog::error("Queueing an assistant index job for {} {} failed: {}", type, id,
                  queued.error().internal);
  }
}

Result<std::optional<assistant::SourceDocument>> AssistantContentAdapter::Load(
    std::string_view type, int64_t id) {
  assistant::SourceDocument source;
  source.type = std::string(type);
  source.id = id;
  if (type == "lab") {
    v1::GetLabRequest request;
    request.set_id(id);
    Result<v1::Lab> lab = labs_.GetLab(request);
    if (!lab) {
      if (lab.error().code == ErrorCode::kNotFound) {
        return std::optional<assistant::SourceDocument>();
      }
      return Fail(lab.error());
    }
    source.title = lab->title();
    source.version = lab->updated_at();
    source.markdown = lab->body();
    return std::optional<assistant::SourceDocument>(std::move(source));
  }
  if (type == "article") {
    v1::GetArticleRequest request;
    request.set_id(id);
    Result<v1::Article> article = articles_.GetArticle(request);
    if (!article) {
      if (article.error().code == ErrorCode::kNotFound) {
        return std::optional<assistant::SourceDocument>();
      }
      return Fail(article.error());
    }
    v1::ListArticlePagesRequest pages_request;
    pages_request.set_article_id(id);
    Result<v1::ListArticlePagesResponse> pages = articles_.ListArticlePages(pages_request);
    if (!pages) {
      return Fail(pages.error());
    }
    source.title = article->title();
    source.version = article->updated_at();
    for (const v1::ArticlePage& page : pages->pages()) {
      const size_t index = static_cast<size_t>(std::max(1, page.page_number()));
      source.pages.resize(std::max(source.pages.size(), index));
      source.pages[index - 1] = page.text();
    }
    return std::optional<assistant::SourceDocument>(std::move(source));
  }
  if (type == "notebook") {
    return LoadNotebook(id);
  }
  return Fail(Error::Internal("no assistant source for documents of type " + std::string(type)));
}

Result<std::optional<assistant::SourceDocument>> AssistantContentAdapter::LoadNotebook(
    int64_t id) {
  v1::GetNotebookRequest request;
  request.set_id(id);
  Result<v1::Notebook> notebook = notebooks_.GetNotebook(request, CallContext{});
  if (!notebook) {
    if (notebook.error().code == ErrorCode::kNotFound) {
      return std::optional<assistant::SourceDocument>();
    }
    return Fail(notebook.error());
  }
  assistant::SourceDocument source;
  source.type = "notebook";
  source.id = id;
  source.title = notebook->title();
  source.version = notebook->updated_at();
  for (const v1::NotebookCell& cell : notebook->cells()) {
    if (cell.language() == "markdown") {
      source.cells.push_back({"markdown", cell.markdown()});
    } else {
      source.cells.push_back({"code", cell.code()});
    }
  }
  return std::optional<assistant::SourceDocument>(std::move(source));
}

Result<std::vector<assistant::SourceVersion>> AssistantContentAdapter::List() {
  // The export calls read pages by id, so that the resync of a large site reads each row once,
  // instead of ListLabs pages whose OFFSET rereads every row before the page.
  std::vector<assistant::SourceVersion> versions;
  std::set<std::pair<std::string, int64_t>> parents;
  Status labs = ForEachExported<v1::ExportLabsRequest>(
      [&](v1::ExportLabsRequest& request) {
        request.set_max_body_chars(0);
        return labs_.ExportLabs(request);
      },
      [&](const v1::Lab& lab) {
        versions.push_back({"lab", lab.id(), lab.updated_at()});
        parents.insert({"lab", lab.id()});
      });
  if (!labs) {
    return Fail(labs.error());
  }

  Status articles = ForEachExported<v1::ExportArticlesRequest>(
      [&](v1::ExportArticlesRequest& request) { return articles_.ExportArticles(request); },
      [&](const v1::Article& article) {
        versions.push_back({"article", article.id(), article.updated_at()});
        parents.insert({"article", article.id()});
      });
  if (!articles) {
    return Fail(articles.error());
  }

  // The notebooks of listed labs and articles only, as their pages show them.
  Status notebooks = ForEachExported<v1::ExportNotebooksRequest>(
      [&](v1::ExportNotebooksRequest& request) { return notebooks_.ExportNotebooks(request); },
      [&](const v1::Notebook& notebook) {
        if (parents.contains({notebook.parent_type(), notebook.parent_id()})) {
          versions.push_back({"notebook", notebook.id(), notebook.updated_at()});
        }
      });
  if (!notebooks) {
    return Fail(notebooks.error());
  }
  return versions;
}

Result<assistant::ScopeInfo> AssistantContentAdapter::Describe(const assistant::Scope& scope) {
  if (scope.type == "lab") {
    v1::GetLabRequest request;
    request.set_id(scope.id);
    Result<v1::Lab> lab = labs_.GetLab(request);
    if (!lab) {
      return Fail(lab.error());
    }
    return assistant::ScopeInfo{lab->title(), lab->author_id()};
  }
  v1::GetArticleRequest request;
  request.set_id(scope.id);
  Result<v1::Article> article = articles_.GetArticle(request);
  if (!article) {
    return Fail(article.error());
  }
  return assistant::ScopeInfo{article->title(), article->uploader_id()};
}

AssistantParts MakeAssistant(const Config& config, storage::Database& database,
                             labs::LabsService& labs, articles::ArticlesService& articles,
                             notebooks::NotebooksService& notebooks) {
  AssistantParts parts;
  parts.content = std::make_unique<AssistantContentAdapter>(labs, articles, notebooks);
  parts.store = std::make_unique<assistant::PassageStore>(database);
  parts.vectors = std::make_unique<assistant::VectorIndex>();

  assistant::ModelEndpoint embeddings{config.assistant_embedding_base_url,
                                      config.assistant_embedding_model,
                                      config.assistant_embedding_api_key,
                                      config.assistant_model_timeout_seconds};
  assistant::ModelEndpoint chat_model{config.assistant_chat_base_url, config.assistant_chat_model,
                                      config.assistant_chat_api_key,
                                      config.assistant_model_timeout_seconds};
  parts.retriever =
      std::make_unique<assistant::Retriever>(*parts.store, parts.vectors.get(), embeddings);
  assistant::IndexerOptions indexer_options;
  indexer_options.resync_interval_seconds = config.assistant_resync_interval_seconds;
  parts.indexer = std::make_unique<assistant::Indexer>(
      database, *parts.store, *parts.content, parts.vectors.get(), embeddings, indexer_options);

  assistant::ChatOptions options;
  options.model = chat_model;
  options.messages_per_window = config.assistant_messages_per_minute;
  options.window_seconds = 60;
  parts.chat = std::make_unique<assistant::ChatService>(database, *parts.retriever,
                                                        *parts.content, options);
  parts.answers = std::make_unique<assistant::AnswerPool>(config.assistant_answer_threads,
                                                          kMaxQueuedAnswers);
  return parts;
}

}  // namespace openlabs::app
