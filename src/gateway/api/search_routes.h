#pragma once

#include "gateway/router.h"
#include "services/search/search_index.h"

namespace openlabs::gateway {

// Adds GET /api/v1/search?q=…&type=lab|article&tags=a,b&page&limit, which returns
// {items: [{type, id, title, snippet, score}], total, page, limit}. Snippets are HTML with the
// matches in <mark> elements and everything else escaped.
void AddSearchRoutes(Router& router, search::SearchIndex& index);

}  // namespace openlabs::gateway
