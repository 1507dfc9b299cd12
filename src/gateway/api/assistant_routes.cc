#include "gateway/api/assistant_routes.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "gateway/api/api_support.h"
#include "gateway/response_stream.h"

namespace openlabs::gateway {
namespace {

using nlohmann::json;

Response JsonResult(const Result<json>& result) {
  if (!result) {
    return Response::FromError(result.error());
  }
  return Response::Json(200, *result);
}

Result<json> ParseBody(const Request& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Fail(Error::InvalidArgument("The request body must be a JSON object."));
  }
  return body;
}

// Starts the answer on the answer pool and returns the event stream at once.
Response StartChat(assistant::ChatService& chat, assistant::AnswerPool& answers,
                   assistant::PreparedChat prepared, const std::string& request_id) {
  auto stream = std::make_shared<ResponseStream>();
  const bool queued = answers.Submit([&chat, stream, prepared = std::move(prepared), request_id] {
    chat.Answer(prepared, [&stream](std::string_view event, const json& data) {
      return stream->Write(ServerSentEvent(event, data.dump()));
    });
    stream->Close();
  });
  if (!queued) {
    spdlog::warn("Rejected an assistant chat (request {}): the answer queue is full", request_id);
    return Response::FromError(
        Error{ErrorCode::kUnavailable, "The assistant is busy; try again in a minute."});
  }
  Response response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream = std::move(stream);
  return response;
}

Result<assistant::Scope> ScopeFromQuery(const Request& request) {
  Result<int64_t> lab = QueryId(request, "lab_id");
  Result<int64_t> article = QueryId(request, "article_id");
  if (!lab || !article) {
    return Fail(!lab ? lab.error() : article.error());
  }
  if (*lab > 0 && *article > 0) {
    return Fail(Error::InvalidArgument("Give lab_id or article_id, not both."));
  }
  if (*lab > 0) {
    return assistant::Scope{"lab", *lab};
  }
  if (*article > 0) {
    return assistant::Scope{"article", *article};
  }
  return assistant::Scope{};
}

}  // namespace

void AddAssistantRoutes(Router& router, assistant::ChatService& chat, auth::AuthService& auth,
                        assistant::AnswerPool& answers) {
  router.Add(
      "POST", "/api/v1/assistant/chat",
      [&chat, &auth, &answers](const Request& request) {
        Result<CallContext> caller = RequireCaller(request, auth);
        if (!caller) {
          return Response::FromError(caller.error());
        }
        Result<json> body = ParseBody(request);
        if (!body) {
          return Response::FromError(body.error());
        }
        Result<assistant::PreparedChat> prepared = chat.Prepare(*body, *caller);
        if (!prepared) {
          return Response::FromError(prepared.error());
        }
        return StartChat(chat, answers, std::move(*prepared), request.request_id);
      },
      Execution::kWorker);

  router.Add("GET", "/api/v1/assistant/conversations", [&chat, &auth](const Request& request) {
    Result<CallContext> caller = RequireCaller(request, auth);
    if (!caller) {
      return Response::FromError(caller.error());
    }
    Result<assistant::Scope> scope = ScopeFromQuery(request);
    if (!scope) {
      return Response::FromError(scope.error());
    }
    Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, 1'000'000);
    if (!page) {
      return Response::FromError(page.error());
    }
    Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, 100);
    if (!limit) {
      return Response::FromError(limit.error());
    }
    return JsonResult(
        chat.ListConversations(*caller, *scope, page->value_or(1), limit->value_or(20)));
  });

  router.Add("GET", "/api/v1/assistant/conversations/{id}", [&chat, &auth](const Request& request) {
    Result<CallContext> caller = RequireCaller(request, auth);
    if (!caller) {
      return Response::FromError(caller.error());
    }
    Result<int64_t> id = PathId(request, "id");
    if (!id) {
      return Response::FromError(id.error());
    }
    return JsonResult(chat.GetConversation(*id, *caller));
  });

  router.Add("DELETE", "/api/v1/assistant/conversations/{id}",
             [&chat, &auth](const Request& request) {
               Result<CallContext> caller = RequireCaller(request, auth);
               if (!caller) {
                 return Response::FromError(caller.error());
               }
               Result<int64_t> id = PathId(request, "id");
               if (!id) {
                 return Response::FromError(id.error());
               }
               return StatusResponse(chat.DeleteConversation(*id, *caller));
             });

  router.Add("GET", "/api/v1/labs/{id}/assistant", [&chat](const Request& request) {
    Result<int64_t> id = PathId(request, "id");
    if (!id) {
      return Response::FromError(id.error());
    }
    Result<std::string> mode = chat.LabMode(*id);
    if (!mode) {
      return Response::FromError(mode.error());
    }
    return Response::Json(200, {{"lab_id", *id},
                                {"mode", *mode},
                                {"model_configured", chat.model_configured()}});
  });

  router.Add("PUT", "/api/v1/labs/{id}/assistant", [&chat, &auth](const Request& request) {
    Result<CallContext> caller = RequireCaller(request, auth);
    if (!caller) {
      return Response::FromError(caller.error());
    }
    Result<int64_t> id = PathId(request, "id");
    Result<json> body = ParseBody(request);
    if (!id || !body) {
      return Response::FromError(!id ? id.error() : body.error());
    }
    if (!body->contains("mode") || !(*body)["mode"].is_string()) {
      return Response::FromError(Error::Validation({{"mode", "must be a string"}}));
    }
    const std::string mode = (*body)["mode"].get<std::string>();
    if (Status set = chat.SetLabMode(*id, mode, *caller); !set) {
      return Response::FromError(set.error());
    }
    return Response::Json(200, {{"lab_id", *id}, {"mode", mode}});
  });
}

}  // namespace openlabs::gateway
