#include "gateway/api/comments_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

constexpr int32_t kMaxPage = 1'000'000;
constexpr int32_t kMaxLimit = 100;

Response ListComments(const Request& request, feedback::CommentsService& comments,
                      const char* target_type) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, kMaxPage);
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!page || !limit) {
    return Response::FromError(!page ? page.error() : limit.error());
  }
  v1::ListCommentsRequest list;
  list.set_target_type(target_type);
  list.set_target_id(*id);
  list.set_page(page->value_or(1));
  list.set_limit(limit->value_or(20));
  return ProtoResponse(comments.ListComments(list));
}

Response CreateComment(const Request& request, feedback::CommentsService& comments,
                       auth::AuthService& auth, const char* target_type) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::CreateCommentRequest create;
  if (Status parsed = ParseJsonBody(request, create); !parsed) {
    return Response::FromError(parsed.error());
  }
  create.set_target_type(target_type);
  create.set_target_id(*id);
  return ProtoResponse(comments.CreateComment(create, *caller), 201);
}

Response UpdateComment(const Request& request, feedback::CommentsService& comments,
                       auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::UpdateCommentRequest update;
  if (Status parsed = ParseJsonBody(request, update); !parsed) {
    return Response::FromError(parsed.error());
  }
  update.set_id(*id);
  return ProtoResponse(comments.UpdateComment(update, *caller));
}

Response DeleteComment(const Request& request, feedback::CommentsService& comments,
                       auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::DeleteCommentRequest remove;
  remove.set_id(*id);
  return ProtoResponse(comments.DeleteComment(remove, *caller));
}

}  // namespace

void AddCommentsRoutes(Router& router, feedback::CommentsService& comments,
                       auth::AuthService& auth) {
  for (const char* type : {"lab", "article"}) {
    const std::string pattern = std::string("/api/v1/") + type + "s/{id}/comments";
    router.Add("GET", pattern, [&comments, type](const Request& request) {
      return ListComments(request, comments, type);
    });
    router.Add("POST", pattern, [&comments, &auth, type](const Request& request) {
      return CreateComment(request, comments, auth, type);
    });
  }
  router.Add("PATCH", "/api/v1/comments/{id}",
             [&](const Request& request) { return UpdateComment(request, comments, auth); });
  router.Add("DELETE", "/api/v1/comments/{id}",
             [&](const Request& request) { return DeleteComment(request, comments, auth); });
}

}  // namespace openlabs::gateway
