#include "gateway/api/recommendations_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

constexpr int32_t kDefaultLimit = 10;
constexpr int32_t kMaxLimit = 50;

Result<int32_t> ReadLimit(const Request& request) {
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!limit) {
    return Fail(limit.error());
  }
  return limit->value_or(kDefaultLimit);
}

Response Recommend(const Request& request, recommendations::RecommendationsService& service,
                   auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<int32_t> limit = ReadLimit(request);
  if (!limit) {
    return Response::FromError(limit.error());
  }
  v1::RecommendRequest recommend;
  recommend.set_user_id(caller->user_id);
  recommend.set_limit(*limit);
  recommend.set_type(std::string(request.QueryParam("type")));
  return ProtoResponse(service.Recommend(recommend));
}

Response Related(const Request& request, recommendations::RecommendationsService& service,
                 const char* item_type) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<int32_t> limit = ReadLimit(request);
  if (!limit) {
    return Response::FromError(limit.error());
  }
  v1::RelatedRequest related;
  related.set_type(item_type);
  related.set_id(*id);
  related.set_limit(*limit);
  related.set_result_type(std::string(request.QueryParam("type")));
  return ProtoResponse(service.Related(related));
}

}  // namespace

void AddRecommendationsRoutes(Router& router, recommendations::RecommendationsService& service,
                              auth::AuthService& auth) {
  // Ranking walks every catalog item, so it runs off the event loops.
  router.Add(
      "GET", "/api/v1/recommendations",
      [&](const Request& request) { return Recommend(request, service, auth); },
      Execution::kWorker);
  router.Add(
      "GET", "/api/v1/labs/{id}/related",
      [&](const Request& request) { return Related(request, service, "lab"); }, Execution::kWorker);
  router.Add(
      "GET", "/api/v1/articles/{id}/related",
      [&](const Request& request) { return Related(request, service, "article"); },
      Execution::kWorker);
}

}  // namespace openlabs::gateway
