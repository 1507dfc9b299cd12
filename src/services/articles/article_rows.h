#pragma once

#include <soci/soci.h>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "openlabs/v1/articles.pb.h"

// Reading and writing the rows of the articles tables, shared by the service's operations.
namespace openlabs::articles {

// One row of the articles table, read with typed into() so that it works on both engines.
struct ArticleRow {
  long long id = 0;
  std::string title;
  std::string abstract;
  std::string authors_json;
  long long uploader_id = 0;
  std::string filename;
  std::string blob_key;
  long long size = 0;
  std::string sha256;
  int page_count = 0;
  long long views = 0;
  long long created_at = 0;
  long long updated_at = 0;

  v1::Article ToProto(const std::vector<std::string>& tags) const;
};

// The columns that BindArticle reads, in its order.
inline constexpr const char* kArticleColumns =
    "a.id, a.title, a.abstract, a.authors, a.uploader_id, a.filename, a.blob_key, a.size, "
    "a.sha256, a.page_count, a.views, a.created_at, a.updated_at";

// Binds every column of kArticleColumns, in order, to `row`.
void BindArticle(soci::statement& statement, ArticleRow& row);

std::optional<ArticleRow> LoadArticle(soci::session& session, long long id);

// Tags of each article, in the order the uploader gave them.
std::map<long long, std::vector<std::string>> LoadTags(soci::session& session,
                                                       const std::vector<long long>& ids);

void ReplaceTags(soci::session& session, long long article_id,
                 const std::vector<std::string>& tags);

std::string AuthorsToJson(const std::vector<std::string>& authors);
std::vector<std::string> AuthorsFromJson(const std::string& json);

// Values bound by name to a statement whose placeholders depend on the request. Deques keep the
// addresses that SOCI holds stable while values are added.
class Bindings {
 public:
  Bindings() = default;
  Bindings(const Bindings&) = delete;
  Bindings& operator=(const Bindings&) = delete;

  void Add(std::string name, std::string value);
  void Add(std::string name, long long value);
  void ExchangeInto(soci::statement& statement) const;

 private:
  std::deque<std::string> strings_;
  std::deque<long long> numbers_;
  std::vector<std::pair<std::string, std::string*>> string_uses_;
  std::vector<std::pair<std::string, long long*>> number_uses_;
};

}  // namespace openlabs::articles
