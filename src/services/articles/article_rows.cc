#include "services/articles/article_rows.h"

#include <nlohmann/json.hpp>

namespace openlabs::articles {

v1::Article ArticleRow::ToProto(const std::vector<std::string>& tags) const {
  v1::Article article;
  article.set_id(id);
  article.set_title(title);
  article.set_abstract(abstract);
  for (std::string& author : AuthorsFromJson(authors_json)) {
    article.add_authors(std::move(author));
  }
  for (const std::string& tag : tags) {
    article.add_tags(tag);
  }
  article.set_uploader_id(uploader_id);
  article.set_page_count(page_count);
  article.set_size(size);
  article.set_sha256(sha256);
  article.set_filename(filename);
  article.set_created_at(created_at);
  article.set_updated_at(updated_at);
  article.set_views(views);
  article.set_pdf_url("/api/v1/articles/" + std::to_string(id) + "/pdf");
  return article;
}

void BindArticle(soci::statement& statement, ArticleRow& row) {
  statement.exchange(soci::into(row.id));
  statement.exchange(soci::into(row.title));
  statement.exchange(soci::into(row.abstract));
  statement.exchange(soci::into(row.authors_json));
  statement.exchange(soci::into(row.uploader_id));
  statement.exchange(soci::into(row.filename));
  statement.exchange(soci::into(row.blob_key));
  statement.exchange(soci::into(row.size));
  statement.exchange(soci::into(row.sha256));
  statement.exchange(soci::into(row.page_count));
  statement.exchange(soci::into(row.views));
  statement.exchange(soci::into(row.created_at));
  statement.exchange(soci::into(row.updated_at));
}

std::optional<ArticleRow> LoadArticle(soci::session& session, long long id) {
  ArticleRow row;
  soci::statement statement(session);
  BindArticle(statement, row);
  statement.exchange(soci::use(id, "id"));
  statement.alloc();
  statement.prepare(std::string("SELECT ") + kArticleColumns + " FROM articles a WHERE a.id = :id");
  statement.define_and_bind();
  if (!statement.execute(true)) {
    return std::nullopt;
  }
  return row;
}

std::map<long long, std::vector<std::string>> LoadTags(soci::session& session,
                                                       const std::vector<long long>& ids) {
  std::map<long long, std::vector<std::string>> tags;
  if (ids.empty()) {
    return tags;
  }
  std::string sql = "SELECT article_id, tag FROM article_tags WHERE article_id IN (";
  Bindings bindings;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string name = "id" + std::to_string(i);
    sql += (i == 0 ? ":" : ", :") + name;
    bindings.Add(name, ids[i]);
  }
  sql += ") ORDER BY article_id, position";
  long long article_id = 0;
  std::string tag;
  soci::statement statement(session);
  statement.exchange(soci::into(article_id));
  statement.exchange(soci::into(tag));
  bindings.ExchangeInto(statement);
  statement.alloc();
  statement.prepare(sql);
  statement.define_and_bind();
  statement.execute(false);
  while (statement.fetch()) {
    tags[article_id].push_back(tag);
  }
  return tags;
}

void ReplaceTags(soci::session& session, long long article_id,
                 const std::vector<std::string>& tags) {
  session << "DELETE FROM article_tags WHERE article_id = :id", soci::use(article_id);
  int position = 0;
  for (const std::string& tag : tags) {
    session << "INSERT INTO article_tags (article_id, tag, position) VALUES (:id, :tag, :position)",
        soci::use(article_id, "id"), soci::use(tag, "tag"), soci::use(position, "position");
    ++position;
  }
}

std::string AuthorsToJson(const std::vector<std::string>& authors) {
  return nlohmann::json(authors).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> AuthorsFromJson(const std::string& json) {
  const nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  std::vector<std::string> authors;
  if (!parsed.is_array()) {
    return authors;
  }
  for (const nlohmann::json& name : parsed) {
    if (name.is_string()) {
      authors.push_back(name.get<std::string>());
    }
  }
  return authors;
}

void Bindings::Add(std::string name, std::string value) {
  strings_.push_back(std::move(value));
  string_uses_.emplace_back(std::move(name), &strings_.back());
}

void Bindings::Add(std::string name, long long value) {
  numbers_.push_back(value);
  number_uses_.emplace_back(std::move(name), &numbers_.back());
}

void Bindings::ExchangeInto(soci::statement& statement) const {
  for (const auto& [name, value] : string_uses_) {
    statement.exchange(soci::use(*value, name));
  }
  for (const auto& [name, value] : number_uses_) {
    statement.exchange(soci::use(*value, name));
  }
}

}  // namespace openlabs::articles
