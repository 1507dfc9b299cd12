#pragma once

#include "common/error.h"
#include "openlabs/v1/articles.pb.h"
#include "storage/database.h"

namespace openlabs::articles {

// Reads one page of articles with their tags, in id order, for ArticlesService::ExportArticles.
// kValidationFailed names each request field out of range.
Result<v1::ExportArticlesResponse> ExportArticles(storage::Database& database,
                                                  const v1::ExportArticlesRequest& request);

// Computes the version for ArticlesService::GetArticlesVersion: the number of articles and the
// newest update time, so inserts and deletes change it through the count and edits through the
// time.
Result<v1::ArticlesVersion> GetArticlesVersion(storage::Database& database);

}  // namespace openlabs::articles
