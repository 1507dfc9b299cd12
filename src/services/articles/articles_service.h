#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "common/call_context.h"
#include "common/error.h"
#include "openlabs/v1/articles.pb.h"
#include "services/search/search_index.h"
#include "storage/blob_store.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::articles {

struct ArticlesOptions {
  int64_t max_pdf_bytes = int64_t{50} << 20;
};

// The articles service: PDFs with title, abstract, authors and tags, their text page by page,
// and their entries in the search index (type "article"). Reads are public. Creating needs an
// authenticated caller; only the uploader, moderators and admins may update or delete.
// Calls made for another service (GetArticlePdf, FindArticleBySha256, ListArticlePages,
// ExportArticles) trust their caller. Implementations are thread-safe.
class ArticlesService {
 public:
  virtual ~ArticlesService() = default;

  // Checks the fields and the PDF in the blob store, extracts its text, stores the article and
  // indexes it. kValidationFailed for invalid fields or a file that is not a readable PDF (the
  // "file" detail explains why), kPayloadTooLarge over max_pdf_bytes. The article owns the blob
  // only on success.
  // NOTE: the whole PDF is read into memory (up to max_pdf_bytes) because poppler parses from
  // memory or a local path, and the blob store may be remote.
  virtual Result<v1::Article> CreateArticle(const v1::CreateArticleRequest& request,
                                            const CallContext& context) = 0;

  // The article. kNotFound when there is none. Other services call it to check that an
  // article exists.
  virtual Result<v1::Article> GetArticle(const v1::GetArticleRequest& request) = 0;

  // A page of articles with the real total. With `q`, the matches of the search index in order
  // of relevance; otherwise newest or most viewed first.
  virtual Result<v1::ListArticlesResponse> ListArticles(const v1::ListArticlesRequest& request) = 0;

  virtual Result<v1::Article> UpdateArticle(const v1::UpdateArticleRequest& request,
                                            const CallContext& context) = 0;

  // Removes the article, its pages, its search entry and its PDF blob.
  virtual Status DeleteArticle(const v1::DeleteArticleRequest& request,
                               const CallContext& context) = 0;

  // Where the PDF is stored, for the download route.
  virtual Result<v1::ArticlePdf> GetArticlePdf(const v1::GetArticleRequest& request) = 0;

  // The article whose PDF has this SHA-256 (the oldest one when several do), for importers
  // that skip files already imported. kNotFound when there is none.
  virtual Result<v1::Article> FindArticleBySha256(
      const v1::FindArticleBySha256Request& request) = 0;

  // The extracted text of a range of pages.
  virtual Result<v1::ListArticlePagesResponse> ListArticlePages(
      const v1::ListArticlePagesRequest& request) = 0;

  // One page of articles in id order, with tags, for a service that keeps its own copy of the
  // catalog (the recommender). kValidationFailed for a limit outside 1 to 5000.
  virtual Result<v1::ExportArticlesResponse> ExportArticles(
      const v1::ExportArticlesRequest& request) = 0;

  // A value that changes whenever ExportArticles would return other articles, titles, abstracts
  // or tags. Cheap next to ExportArticles, so a reader checks it before reading them again.
  virtual Result<v1::ArticlesVersion> GetArticlesVersion(
      const v1::GetArticlesVersionRequest& request) = 0;
};

// The SQL implementation. Its tables are "articles", "article_tags" and "article_pages"; PDF
// blobs keep the key they were uploaded under. `search`, `blobs` and `database` must outlive it.
std::unique_ptr<ArticlesService> MakeArticlesService(storage::Database& database,
                                                     storage::BlobStore& blobs,
                                                     search::SearchIndex& search,
                                                     ArticlesOptions options);

// The canonical form of a tag, the same as for lab tags: trimmed, ASCII lower case, spaces and
// '_' turned into '-'; 1 to 40 characters of [a-z0-9-+.#]. kValidationFailed names the tag.
Result<std::string> NormalizeTag(std::string_view tag);

}  // namespace openlabs::articles

namespace openlabs {
// The articles service's migrations (generated from migrations/).
std::span<const storage::Migration> ArticlesMigrations();
}  // namespace openlabs
