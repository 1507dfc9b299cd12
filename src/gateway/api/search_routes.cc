#include "gateway/api/search_routes.h"

#include <nlohmann/json.hpp>

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

constexpr size_t kMaxTags = 10;
constexpr size_t kMaxTagsParameterBytes = 1000;

// Splits "a,b" into tags in their stored form: trimmed, lower case, with '-' for spaces.
std::vector<std::string> SplitTags(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    // Tags are stored lower case with '-' between words (see NormalizeTag of labs and
    // articles), so the filter is brought to that form.
    std::string_view raw = text.substr(start, end - start);
    const size_t first = raw.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      raw = raw.substr(first, raw.find_last_not_of(" \t") - first + 1);
      std::string item;
      for (char c : raw) {
        const bool upper = c >= 'A' && c <= 'Z';
        item += upper ? static_cast<char>(c - 'A' + 'a') : (c == ' ' || c == '_') ? '-' : c;
      }
      items.push_back(std::move(item));
    }
    start = end + 1;
  }
  return items;
}

Result<search::SearchQuery> ParseSearchQuery(const Request& request) {
  if (Status known = RejectUnknownQueryParams(request, {"q", "type", "tags", "page", "limit"});
      !known) {
    return Fail(known.error());
  }
  Result<Page> page = ParsePage(request);
  if (!page) {
    return Fail(page.error());
  }
  const std::string_view type = request.QueryParam("type");
  if (!type.empty() && type != "lab" && type != "article") {
    return Fail(
        Error::Validation({{"type", "must be \"lab\" or \"article\", or absent for both"}}));
  }
  const std::string_view tags = request.QueryParam("tags");
  if (tags.size() > kMaxTagsParameterBytes) {
    return Fail(Error::Validation({{"tags", "must be at most 1000 bytes"}}));
  }
  search::SearchQuery query;
  query.text = std::string(request.QueryParam("q"));
  query.type = std::string(type);
  query.tags = SplitTags(tags);
  if (query.tags.size() > kMaxTags) {
    return Fail(Error::Validation({{"tags", "must list at most 10 tags"}}));
  }
  query.page = page->page;
  query.limit = page->limit;
  // A client that asks for a fresh response gets the page computed again, not a cached copy.
  const std::string_view cache_control = request.Header("Cache-Control");
  query.fresh = cache_control.find("no-cache") != std::string_view::npos ||
                cache_control.find("no-store") != std::string_view::npos;
  return query;
}

Response Search(const Request& request, search::SearchIndex& index) {
  Result<search::SearchQuery> query = ParseSearchQuery(request);
  if (!query) {
    return Response::FromError(query.error());
  }
  Result<search::SearchPage> found = index.Search(*query);
  if (!found) {
    return Response::FromError(found.error());
  }
  nlohmann::json items = nlohmann::json::array();
  for (const search::SearchHit& hit : found->items) {
    items.push_back({{"type", hit.type},
                     {"id", hit.id},
                     {"title", hit.title},
                     {"snippet", hit.snippet},
                     {"score", hit.score}});
  }
  return Response::Json(200, {{"items", std::move(items)},
                              {"total", found->total},
                              {"page", found->page},
                              {"limit", found->limit}});
}

}  // namespace

void AddSearchRoutes(Router& router, search::SearchIndex& index) {
  router.Add("GET", "/api/v1/search", [&](const Request& request) {
    return Search(request, index);
  }).query_params = {"q", "type", "tags", "page", "limit"};
}

}  // namespace openlabs::gateway
