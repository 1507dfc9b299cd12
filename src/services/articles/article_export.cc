#include "services/articles/article_export.h"

#include <map>
#include <string>
#include <vector>

#include "services/articles/article_rows.h"

namespace openlabs::articles {
namespace {

constexpr int kMaxExportLimit = 5000;

Status CheckExportRequest(const v1::ExportArticlesRequest& request) {
  std::vector<FieldViolation> problems;
  if (request.after_id() < 0) {
    problems.push_back({"after_id", "must be 0 or an article id"});
  }
  if (request.limit() < 1 || request.limit() > kMaxExportLimit) {
    problems.push_back({"limit", "must be from 1 to 5000"});
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return {};
}

}  // namespace

Result<v1::ExportArticlesResponse> ExportArticles(storage::Database& database,
                                                  const v1::ExportArticlesRequest& request) {
  if (Status valid = CheckExportRequest(request); !valid) {
    return Fail(valid.error());
  }
  return database.WithSession<v1::ExportArticlesResponse>(
      [&](soci::session& session) -> Result<v1::ExportArticlesResponse> {
        long long after_id = request.after_id();
        ArticleRow row;
        std::vector<ArticleRow> rows;
        soci::statement articles(session);
        BindArticle(articles, row);
        articles.exchange(soci::use(after_id, "after_id"));
        articles.alloc();
        // The limit is a validated integer, so it is written into the SQL text.
        articles.prepare(std::string("SELECT ") + kArticleColumns +
                         " FROM articles a WHERE a.id > :after_id ORDER BY a.id LIMIT " +
                         std::to_string(request.limit()));
        articles.define_and_bind();
        articles.execute(false);
        while (articles.fetch()) {
          rows.push_back(row);
        }
        v1::ExportArticlesResponse response;
        if (rows.empty()) {
          return response;
        }

        // One query for the tags of the whole page.
        long long last_id = rows.back().id;
        std::map<long long, std::vector<std::string>> tags;
        long long article_id = 0;
        std::string tag;
        soci::statement select =
            (session.prepare << "SELECT article_id, tag FROM article_tags WHERE article_id > "
                                ":after_id AND article_id <= :last_id ORDER BY article_id, "
                                "position",
             soci::use(after_id), soci::use(last_id), soci::into(article_id), soci::into(tag));
        select.execute();
        while (select.fetch()) {
          tags[article_id].push_back(tag);
        }
        static const std::vector<std::string> kNoTags;
        for (const ArticleRow& article : rows) {
          auto found = tags.find(article.id);
          *response.add_items() = article.ToProto(found == tags.end() ? kNoTags : found->second);
        }
        if (response.items_size() == request.limit()) {
          response.set_next_after_id(last_id);
        }
        return response;
      });
}

Result<v1::ArticlesVersion> GetArticlesVersion(storage::Database& database) {
  return database.WithSession<v1::ArticlesVersion>(
      [](soci::session& session) -> Result<v1::ArticlesVersion> {
        long long count = 0;
        long long newest = 0;
        session << "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM articles", soci::into(count),
            soci::into(newest);
        v1::ArticlesVersion version;
        version.set_version(std::to_string(count) + "," + std::to_string(newest));
        return version;
      });
}

}  // namespace openlabs::articles
