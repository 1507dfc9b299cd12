#include "services/articles/articles_service.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "common/clock.h"
#include "services/articles/article_export.h"
#include "services/articles/article_rows.h"
#include "services/articles/pdf_text.h"
#include "services/articles/validation.h"
#include "services/search/search_text.h"
#include "storage/tag_filter.h"

namespace openlabs::articles {
namespace {

using storage::Database;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr int kMaxPage = 1'000'000;
// Text past this length on one page is not stored; a real page has far less.
constexpr size_t kMaxPageTextBytes = 1 << 20;

Error ArticleNotFound() { return Error::NotFound("The article does not exist."); }

Error PayloadTooLarge(int64_t max_bytes) {
  return {ErrorCode::kPayloadTooLarge,
          "The PDF is larger than the limit of " + std::to_string(max_bytes) + " bytes."};
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

bool MayChange(const ArticleRow& row, const CallContext& context) {
  return context.authenticated() && (row.uploader_id == context.user_id || context.is_moderator());
}

// The search entry of an article: authors are part of the summary, so that names are found.
search::SearchDocument SearchDocumentFor(const v1::Article& article, const std::string& text) {
  search::SearchDocument document;
  document.type = "article";
  document.id = article.id();
  document.title = article.title();
  for (const std::string& author : article.authors()) {
    document.summary += author + ", ";
  }
  if (!document.summary.empty()) {
    document.summary.replace(document.summary.size() - 2, 2, ".\n");
  }
  document.summary += article.abstract();
  document.body = text;
  document.tags.assign(article.tags().begin(), article.tags().end());
  document.author_id = article.uploader_id();
  document.created_at = article.created_at();
  return document;
}

std::string JoinPages(const std::vector<std::string>& pages) {
  std::string text;
  for (const std::string& page : pages) {
    text += page;
    text += '\n';
  }
  return text;
}

class SqlArticlesService final : public ArticlesService {
 public:
  SqlArticlesService(Database& database, storage::BlobStore& blobs, search::SearchIndex& search,
                     ArticlesOptions options)
      : database_(database), blobs_(blobs), search_(search), options_(options) {}

  Result<v1::Article> CreateArticle(const v1::CreateArticleRequest& request,
                                    const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to upload an article."));
    }
    std::vector<FieldViolation> problems;
    v1::Article fields;
    fields.set_title(CheckTitle(request.title(), problems));
    fields.set_abstract(CheckAbstract(request.abstract(), problems));
    for (std::string& author :
         CheckAuthors({request.authors().begin(), request.authors().end()}, problems)) {
      fields.add_authors(std::move(author));
    }
    for (std::string& tag : CheckTags({request.tags().begin(), request.tags().end()}, problems)) {
      fields.add_tags(std::move(tag));
    }
    fields.set_filename(CheckFilename(request.filename(), problems));
    if (!storage::IsValidBlobKey(request.blob_key())) {
      problems.push_back({"file", "is missing: no stored upload was given"});
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }

    Result<std::string> pdf = ReadPdf(request.blob_key());
    if (!pdf) {
      return Fail(pdf.error());
    }
    Result<PdfText> text = ExtractPdfText(*pdf);
    if (!text) {
      return Fail(text.error());
    }
    fields.set_size(static_cast<int64_t>(pdf->size()));
    fields.set_sha256(Sha256Hex(*pdf));
    fields.set_page_count(static_cast<int32_t>(text->pages.size()));
    pdf->clear();
    pdf->shrink_to_fit();

    Result<v1::Article> created = Insert(fields, request.blob_key(), text->pages, context.user_id);
    if (!created) {
      return created;
    }
    if (Status indexed = search_.Upsert(SearchDocumentFor(*created, JoinPages(text->pages)));
        !indexed) {
      // Undo the insert, so that an article is never stored without being searchable.
      spdlog::error("indexing article id={} failed: {} {}", created->id(), indexed.error().message,
                    indexed.error().internal);
      RemoveRows(created->id());
      return Fail(indexed.error());
    }
    spdlog::info("created article id={} uploader={} pages={} bytes={}", created->id(),
                 context.user_id, created->page_count(), created->size());
    return created;
  }

  Result<v1::Article> GetArticle(const v1::GetArticleRequest& request) override {
    const long long id = request.id();
    if (request.count_view()) {
      // NOTE: each counted view is its own write transaction, so a GET that counts a view waits
      // for its turn to write. Lab views are counted in memory and written in batches instead.
      Status counted = database_.InTransaction<void>([&](soci::session& session) -> Status {
        session << "UPDATE articles SET views = views + 1 WHERE id = :id", soci::use(id);
        return {};
      });
      if (!counted) {
        return Fail(counted.error());
      }
    }
    return database_.WithSession<v1::Article>(
        [&](soci::session& session) -> Result<v1::Article> { return LoadProto(session, id); });
  }

  Result<v1::ListArticlesResponse> ListArticles(const v1::ListArticlesRequest& request) override {
    std::vector<FieldViolation> problems;
    const std::vector<std::string> tags =
        CheckTags({request.tags().begin(), request.tags().end()}, problems);
    if (!request.sort().empty() && request.sort() != "new" && request.sort() != "popular") {
      problems.push_back({"sort", "must be \"new\" or \"popular\""});
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    v1::ListArticlesResponse response;
    response.set_page(std::clamp(request.page(), 1, kMaxPage));
    response.set_limit(request.limit() <= 0 ? kDefaultPageSize
                                            : std::min(request.limit(), kMaxPageSize));
    if (!request.q().empty()) {
      return SearchArticles(request, tags, response);
    }
    return database_.WithSession<v1::ListArticlesResponse>(
        [&](soci::session& session) -> Result<v1::ListArticlesResponse> {
          ListFromTables(session, request, tags, response);
          return response;
        });
  }

  Result<v1::Article> UpdateArticle(const v1::UpdateArticleRequest& request,
                                    const CallContext& context) override {
    std::vector<FieldViolation> problems;
    const std::optional<std::string> title =
        request.has_title() ? std::optional(CheckTitle(request.title(), problems)) : std::nullopt;
    const std::optional<std::string> abstract =
        request.has_abstract() ? std::optional(CheckAbstract(request.abstract(), problems))
                               : std::nullopt;
    const std::vector<std::string> authors =
        CheckAuthors({request.authors().begin(), request.authors().end()}, problems);
    const std::vector<std::string> tags =
        CheckTags({request.tags().begin(), request.tags().end()}, problems);
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }

    Result<v1::Article> updated =
        database_.InTransaction<v1::Article>([&](soci::session& session) -> Result<v1::Article> {
          const long long id = request.id();
          std::optional<ArticleRow> row = LoadArticle(session, id);
          if (!row) {
            return Fail(ArticleNotFound());
          }
          if (!MayChange(*row, context)) {
            return Fail(Error::PermissionDenied(
                "Only the uploader, moderators and admins may change this article."));
          }
          const std::string new_title = title.value_or(row->title);
          const std::string new_abstract = abstract.value_or(row->abstract);
          const std::string new_authors =
              request.replace_authors() ? AuthorsToJson(authors) : row->authors_json;
          const long long now = NowMillis();
          session << "UPDATE articles SET title = :title, abstract = :abstract, authors = "
                     ":authors, updated_at = :updated_at WHERE id = :id",
              soci::use(new_title, "title"), soci::use(new_abstract, "abstract"),
              soci::use(new_authors, "authors"), soci::use(now, "updated_at"), soci::use(id, "id");
          if (request.replace_tags()) {
            ReplaceTags(session, id, tags);
          }
          return LoadProto(session, id);
        });
    if (!updated) {
      return updated;
    }
    if (Status indexed = Reindex(*updated); !indexed) {
      spdlog::error("reindexing article id={} failed: {}", updated->id(), indexed.error().internal);
      return Fail(indexed.error());
    }
    return updated;
  }

  Status DeleteArticle(const v1::DeleteArticleRequest& request,
                       const CallContext& context) override {
    Result<std::string> deleted =
        database_.InTransaction<std::string>([&](soci::session& session) -> Result<std::string> {
          const long long id = request.id();
          std::optional<ArticleRow> row = LoadArticle(session, id);
          if (!row) {
            return Fail(ArticleNotFound());
          }
          if (!MayChange(*row, context)) {
            return Fail(Error::PermissionDenied(
                "Only the uploader, moderators and admins may delete this article."));
          }
          session << "DELETE FROM articles WHERE id = :id", soci::use(id);
          return row->blob_key;
        });
    if (!deleted) {
      return Fail(deleted.error());
    }
    // The row is gone, so a failure below leaves only an unreachable search entry or blob.
    // It is logged and not reported, because the deletion itself succeeded.
    if (Status removed = search_.Remove("article", request.id()); !removed) {
      spdlog::error("removing article id={} from the search index failed: {}", request.id(),
                    removed.error().internal);
    }
    if (Status removed = blobs_.Delete(*deleted); !removed) {
      spdlog::error("deleting blob {} of article id={} failed: {}", *deleted, request.id(),
                    removed.error().internal);
    }
    spdlog::info("deleted article id={} by user={}", request.id(), context.user_id);
    return {};
  }

  Result<v1::ArticlePdf> GetArticlePdf(const v1::GetArticleRequest& request) override {
    return database_.WithSession<v1::ArticlePdf>(
        [&](soci::session& session) -> Result<v1::ArticlePdf> {
          std::optional<ArticleRow> row = LoadArticle(session, request.id());
          if (!row) {
            return Fail(ArticleNotFound());
          }
          v1::ArticlePdf pdf;
          pdf.set_article_id(row->id);
          pdf.set_blob_key(row->blob_key);
          pdf.set_size(row->size);
          pdf.set_sha256(row->sha256);
          pdf.set_filename(row->filename);
          return pdf;
        });
  }

  Result<v1::Article> FindArticleBySha256(const v1::FindArticleBySha256Request& request) override {
    return database_.WithSession<v1::Article>([&](soci::session& session) -> Result<v1::Article> {
      long long id = 0;
      session << "SELECT id FROM articles WHERE sha256 = :sha256 ORDER BY id LIMIT 1",
          soci::use(request.sha256()), soci::into(id);
      if (!session.got_data()) {
        return Fail(ArticleNotFound());
      }
      return LoadProto(session, id);
    });
  }

  Result<v1::ListArticlePagesResponse> ListArticlePages(
      const v1::ListArticlePagesRequest& request) override {
    return database_.WithSession<v1::ListArticlePagesResponse>(
        [&](soci::session& session) -> Result<v1::ListArticlePagesResponse> {
          const long long id = request.article_id();
          if (!LoadArticle(session, id)) {
            return Fail(ArticleNotFound());
          }
          int first = std::max(request.first_page(), 1);
          int last = request.last_page() <= 0 ? INT32_MAX : request.last_page();
          v1::ListArticlePagesResponse response;
          response.set_article_id(id);
          int number = 0;
          std::string text;
          soci::statement select =
              (session.prepare << "SELECT page_number, text FROM article_pages WHERE article_id "
                                  "= :id AND page_number BETWEEN :first AND :last ORDER BY "
                                  "page_number",
               soci::use(id, "id"), soci::use(first, "first"), soci::use(last, "last"),
               soci::into(number), soci::into(text));
          select.execute();
          while (select.fetch()) {
            v1::ArticlePage* page = response.add_pages();
            page->set_page_number(number);
            page->set_text(text);
          }
          return response;
        });
  }

  Result<v1::ExportArticlesResponse> ExportArticles(
      const v1::ExportArticlesRequest& request) override {
    return articles::ExportArticles(database_, request);
  }

  Result<v1::ArticlesVersion> GetArticlesVersion(
      const v1::GetArticlesVersionRequest& /*request*/) override {
    return articles::GetArticlesVersion(database_);
  }

 private:
  // The PDF's bytes, after checking its size against the limit.
  Result<std::string> ReadPdf(const std::string& blob_key) {
    Result<storage::BlobInfo> info = blobs_.Stat(blob_key);
    if (!info) {
      if (info.error().code == ErrorCode::kNotFound) {
        return Fail(Error::Validation({{"file", "was not found in storage; upload it again"}}));
      }
      return Fail(info.error());
    }
    if (info->size == 0) {
      return Fail(Error::Validation({{"file", "is empty; upload a PDF file"}}));
    }
    if (info->size > options_.max_pdf_bytes) {
      return Fail(PayloadTooLarge(options_.max_pdf_bytes));
    }
    return blobs_.Get(blob_key);
  }

  Result<v1::Article> Insert(const v1::Article& fields, const std::string& blob_key,
                             const std::vector<std::string>& pages, int64_t uploader_id) {
    return database_.InTransaction<v1::Article>([&](soci::session& session) -> Result<v1::Article> {
      const long long now = NowMillis();
      const long long uploader = uploader_id;
      const long long size = fields.size();
      const int page_count = fields.page_count();
      const std::string authors = AuthorsToJson({fields.authors().begin(), fields.authors().end()});
      long long id = 0;
      session << "INSERT INTO articles (title, abstract, authors, uploader_id, filename, "
                 "blob_key, size, sha256, page_count, created_at, updated_at) VALUES (:title, "
                 ":abstract, :authors, :uploader_id, :filename, :blob_key, :size, :sha256, "
                 ":page_count, :created_at, :updated_at) RETURNING id",
          soci::use(fields.title(), "title"), soci::use(fields.abstract(), "abstract"),
          soci::use(authors, "authors"), soci::use(uploader, "uploader_id"),
          soci::use(fields.filename(), "filename"), soci::use(blob_key, "blob_key"),
          soci::use(size, "size"), soci::use(fields.sha256(), "sha256"),
          soci::use(page_count, "page_count"), soci::use(now, "created_at"),
          soci::use(now, "updated_at"), soci::into(id);
      ReplaceTags(session, id, {fields.tags().begin(), fields.tags().end()});
      InsertPages(session, id, pages);
      return LoadProto(session, id);
    });
  }

  static void InsertPages(soci::session& session, long long id,
                          const std::vector<std::string>& pages) {
    int number = 1;
    std::string text;
    soci::statement insert =
        (session.prepare << "INSERT INTO article_pages (article_id, page_number, text) VALUES "
                            "(:id, :number, :text)",
         soci::use(id, "id"), soci::use(number, "number"), soci::use(text, "text"));
    for (const std::string& page : pages) {
      // PostgreSQL rejects NUL bytes and invalid UTF-8 in text; poppler's output has neither in
      // practice, but a damaged PDF must not fail the whole upload.
      text = search::CleanText(page, kMaxPageTextBytes);
      insert.execute(true);
      ++number;
    }
  }

  void RemoveRows(long long id) {
    Status removed = database_.InTransaction<void>([&](soci::session& session) -> Status {
      session << "DELETE FROM articles WHERE id = :id", soci::use(id);
      return {};
    });
    if (!removed) {
      spdlog::error("undoing article id={} failed: {}", id, removed.error().internal);
    }
  }

  Status Reindex(const v1::Article& article) {
    v1::ListArticlePagesRequest request;
    request.set_article_id(article.id());
    Result<v1::ListArticlePagesResponse> pages = ListArticlePages(request);
    if (!pages) {
      return Fail(pages.error());
    }
    std::string text;
    for (const v1::ArticlePage& page : pages->pages()) {
      text += page.text();
      text += '\n';
    }
    return search_.Upsert(SearchDocumentFor(article, text));
  }

  static Result<v1::Article> LoadProto(soci::session& session, long long id) {
    std::optional<ArticleRow> row = LoadArticle(session, id);
    if (!row) {
      return Fail(ArticleNotFound());
    }
    std::map<long long, std::vector<std::string>> tags = LoadTags(session, {id});
    return row->ToProto(tags[id]);
  }

  Result<v1::ListArticlesResponse> SearchArticles(const v1::ListArticlesRequest& request,
                                                  const std::vector<std::string>& tags,
                                                  v1::ListArticlesResponse& response) {
    search::SearchQuery query;
    query.text = request.q();
    query.type = "article";
    query.tags = tags;
    query.author_id = request.uploader_id();
    query.page = response.page();
    query.limit = response.limit();
    Result<search::SearchPage> found = search_.Search(query);
    if (!found) {
      return Fail(found.error());
    }
    response.set_total(found->total);
    return database_.WithSession<v1::ListArticlesResponse>(
        [&](soci::session& session) -> Result<v1::ListArticlesResponse> {
          for (const search::SearchHit& hit : found->items) {
            // A hit whose article was deleted since the search is left out of the page.
            Result<v1::Article> article = LoadProto(session, hit.id);
            if (article) {
              *response.add_items() = std::move(*article);
            }
          }
          return response;
        });
  }

  // The number of articles, from the row that the triggers of 0002_count_articles.sql keep.
  static long long CountAllArticles(soci::session& session) {
    long long total = 0;
    session << "SELECT articles FROM article_count", soci::into(total);
    return total;
  }

  // The total of a list without a query. With tags it reads the article_tags rows of the first
  // tag and checks the others in the primary key, so it never reads an articles row.
  static long long CountListed(soci::session& session, const v1::ListArticlesRequest& request,
                               const std::vector<std::string>& tags) {
    if (tags.empty() && request.uploader_id() <= 0) {
      return CountAllArticles(session);
    }
    Bindings bindings;
    std::string sql;
    if (tags.empty()) {
      sql = "SELECT COUNT(*) FROM articles a WHERE a.uploader_id = :uploader_id";
    } else {
      sql = "SELECT COUNT(*) FROM article_tags t WHERE t.tag = :tag0";
      bindings.Add("tag0", tags[0]);
      for (size_t i = 1; i < tags.size(); ++i) {
        const std::string name = "tag" + std::to_string(i);
        sql +=
            " AND EXISTS (SELECT 1 FROM article_tags o WHERE o.article_id = t.article_id AND "
            "o.tag = :" +
            name + ")";
        bindings.Add(name, tags[i]);
      }
      if (request.uploader_id() > 0) {
        sql += " AND t.article_id IN (SELECT id FROM articles WHERE uploader_id = :uploader_id)";
      }
    }
    if (request.uploader_id() > 0) {
      bindings.Add("uploader_id", static_cast<long long>(request.uploader_id()));
    }
    long long total = 0;
    soci::statement count(session);
    count.exchange(soci::into(total));
    bindings.ExchangeInto(count);
    count.alloc();
    count.prepare(sql);
    count.define_and_bind();
    count.execute(true);
    return total;
  }

  static void ListFromTables(soci::session& session, const v1::ListArticlesRequest& request,
                             const std::vector<std::string>& tags,
                             v1::ListArticlesResponse& response) {
    const long long limit = response.limit();
    const long long offset = static_cast<long long>(response.page() - 1) * limit;
    const long long total = CountListed(session, request, tags);
    response.set_total(total);
    if (total <= offset) {
      return;
    }
    // Reading the matching articles by id and sorting them costs about twice as much per row as
    // walking articles_by_created with an EXISTS per tag (bench/list_cpu.sh, 50,000 articles).
    const bool walk =
        tags.empty() ||
        storage::RowsToWalk(total, CountAllArticles(session), offset, limit) < 2 * total;
    const auto where = [&](Bindings& bindings) {
      std::string sql = " FROM articles a WHERE 1 = 1";
      if (request.uploader_id() > 0) {
        sql += " AND a.uploader_id = :uploader_id";
        bindings.Add("uploader_id", static_cast<long long>(request.uploader_id()));
      }
      for (size_t i = 0; i < tags.size(); ++i) {
        const std::string alias = "t" + std::to_string(i);
        const std::string name = "tag" + std::to_string(i);
        sql += walk
                   ? " AND EXISTS (SELECT 1 FROM article_tags " + alias + " WHERE " + alias +
                         ".article_id = a.id AND " + alias + ".tag = :" + name + ")"
                   : " AND a.id IN (SELECT article_id FROM article_tags WHERE tag = :" + name + ")";
        bindings.Add(name, tags[i]);
      }
      return sql;
    };
    Bindings page_bindings;
    const std::string from = where(page_bindings);
    page_bindings.Add("limit", limit);
    page_bindings.Add("offset", offset);
    const char* order = request.sort() == "popular"
                            ? " ORDER BY a.views DESC, a.created_at DESC, a.id DESC"
                            : " ORDER BY a.created_at DESC, a.id DESC";
    ArticleRow row;
    soci::statement select(session);
    BindArticle(select, row);
    page_bindings.ExchangeInto(select);
    select.alloc();
    select.prepare(std::string("SELECT ") + kArticleColumns + from + order +
                   " LIMIT :limit OFFSET :offset");
    select.define_and_bind();
    select.execute(false);
    std::vector<ArticleRow> rows;
    while (select.fetch()) {
      rows.push_back(row);
    }
    std::vector<long long> ids;
    for (const ArticleRow& each : rows) {
      ids.push_back(each.id);
    }
    std::map<long long, std::vector<std::string>> all_tags = LoadTags(session, ids);
    for (const ArticleRow& each : rows) {
      *response.add_items() = each.ToProto(all_tags[each.id]);
    }
  }

  Database& database_;
  storage::BlobStore& blobs_;
  search::SearchIndex& search_;
  ArticlesOptions options_;
};

}  // namespace

std::unique_ptr<ArticlesService> MakeArticlesService(storage::Database& database,
                                                     storage::BlobStore& blobs,
                                                     search::SearchIndex& search,
                                                     ArticlesOptions options) {
  return std::make_unique<SqlArticlesService>(database, blobs, search, options);
}

}  // namespace openlabs::articles
