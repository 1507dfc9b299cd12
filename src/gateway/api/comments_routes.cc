#include "gateway/api/comments_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

Response ListComments(const ApiCall& call, feedback::CommentsService& comments,
                      const char* target_type) {
  if (Status known = RejectUnknownQueryParams(call.request, {"page", "limit"}); !known) {
    return Response::FromError(known.error());
  }
  Result<Page> page = ParsePage(call.request);
  if (!page) {
    return Response::FromError(page.error());
  }
  v1::ListCommentsRequest list;
  list.set_target_type(target_type);
  list.set_target_id(call.id);
  SetPage(*page, list);
  return ProtoResponse(comments.ListComments(list));
}

}  // namespace

void AddCommentsRoutes(Router& router, feedback::CommentsService& comments,
                       auth::AuthService& auth) {
  ApiRoutes api(router, &auth);
  for (const char* type : {"lab", "article"}) {
    const std::string pattern = std::string("/api/v1/") + type + "s/{id}/comments";
    api.Add("GET", pattern, CallerPolicy::kAnonymous, [&comments, type](const ApiCall& call) {
      return ListComments(call, comments, type);
    }).query_params = kPageQueryParams;
    api.AddJson<v1::CreateCommentRequest>(
        "POST", pattern, CallerPolicy::kRequired,
        [&comments, type](const ApiCall& call, v1::CreateCommentRequest& create) {
          create.set_target_type(type);
          create.set_target_id(call.id);
          return ProtoResponse(comments.CreateComment(create, call.caller), 201);
        });
  }
  api.AddJson<v1::UpdateCommentRequest>(
      "PATCH", "/api/v1/comments/{id}", CallerPolicy::kRequired,
      [&comments](const ApiCall& call, v1::UpdateCommentRequest& update) {
        update.set_id(call.id);
        return ProtoResponse(comments.UpdateComment(update, call.caller));
      });
  api.Add("DELETE", "/api/v1/comments/{id}", CallerPolicy::kRequired,
          [&comments](const ApiCall& call) {
            v1::DeleteCommentRequest remove;
            remove.set_id(call.id);
            // 204 when the comment is gone; 200 with {"placeholder": true} when replies keep it.
            Result<v1::DeleteCommentResponse> removed = comments.DeleteComment(remove, call.caller);
            if (removed && !removed->placeholder()) {
              return Response::NoContent();
            }
            return ProtoResponse(removed);
          });
}

}  // namespace openlabs::gateway
