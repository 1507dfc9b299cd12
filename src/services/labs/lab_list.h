#pragma once

#include "common/error.h"
#include "openlabs/v1/labs.pb.h"
#include "storage/database.h"

namespace openlabs::search {
class SearchIndex;
}  // namespace openlabs::search

namespace openlabs::labs {

// Lists published labs for LabsService::ListLabs. With a query and a search index, the index
// ranks the candidates and SQL applies the other filters; without an index, the query is a
// case-insensitive substring match on title, description and body.
Result<v1::ListLabsResponse> ListLabs(storage::Database& database, search::SearchIndex* search,
                                      const v1::ListLabsRequest& request);

}  // namespace openlabs::labs
