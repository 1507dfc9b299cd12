#include "gateway/api/recommendations_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

constexpr int32_t kDefaultLimit = 10;
constexpr int32_t kMaxLimit = 50;

// Reads `limit` and rejects query parameters other than `limit` and `type` (which the service
// validates).
Result<int32_t> ReadLimit(const Request& request) {
  if (Status known = RejectUnknownQueryParams(request, {"limit", "type"}); !known) {
    return Fail(known.error());
  }
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!limit) {
    return Fail(limit.error());
  }
  return limit->value_or(kDefaultLimit);
}

}  // namespace

void AddRecommendationsRoutes(Router& router, recommendations::RecommendationsService& service,
                              auth::AuthService& auth) {
  ApiRoutes api(router, &auth);
  // Ranking walks every catalog item, so it runs off the event loops.
  api.Add(
      "GET", "/api/v1/recommendations", CallerPolicy::kRequired,
      [&service](const ApiCall& call) {
        Result<int32_t> limit = ReadLimit(call.request);
        if (!limit) {
          return Response::FromError(limit.error());
        }
        v1::RecommendRequest recommend;
        recommend.set_user_id(call.caller.user_id);
        recommend.set_limit(*limit);
        recommend.set_type(std::string(call.request.QueryParam("type")));
        return ProtoResponse(service.Recommend(recommend));
      },
      Execution::kWorker)
      .query_params = {"limit", "type"};
  for (const char* item_type : {"lab", "article"}) {
    api.Add(
        "GET", std::string("/api/v1/") + item_type + "s/{id}/related", CallerPolicy::kAnonymous,
        [&service, item_type](const ApiCall& call) {
          Result<int32_t> limit = ReadLimit(call.request);
          if (!limit) {
            return Response::FromError(limit.error());
          }
          v1::RelatedRequest related;
          related.set_type(item_type);
          related.set_id(call.id);
          related.set_limit(*limit);
          related.set_result_type(std::string(call.request.QueryParam("type")));
          return ProtoResponse(service.Related(related));
        },
        Execution::kWorker)
        .query_params = {"limit", "type"};
  }
}

}  // namespace openlabs::gateway
