#include "gateway/api/assistant_routes.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "gateway/api/api_support.h"
#include "gateway/response_stream.h"

namespace openlabs::gateway {
namespace {

using nlohmann::json;

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

Response ListConversations(const ApiCall& call, assistant::ChatService& chat) {
  if (Status known =
          RejectUnknownQueryParams(call.request, {"lab_id", "article_id", "page", "limit"});
      !known) {
    return Response::FromError(known.error());
  }
  Result<assistant::Scope> scope = ScopeFromQuery(call.request);
  if (!scope) {
    return Response::FromError(scope.error());
  }
  Result<Page> page = ParsePage(call.request);
  if (!page) {
    return Response::FromError(page.error());
  }
  return JsonResponse(chat.ListConversations(call.caller, *scope, page->page, page->limit));
}

Response SetLabMode(const ApiCall& call, assistant::ChatService& chat) {
  Result<json> body = ParseJsonObjectBody(call.request, {"mode"});
  if (!body) {
    return Response::FromError(body.error());
  }
  if (!body->contains("mode") || !(*body)["mode"].is_string()) {
    return Response::FromError(Error::Validation({{"mode", "must be a string"}}));
  }
  const std::string mode = (*body)["mode"].get<std::string>();
  if (Status set = chat.SetLabMode(call.id, mode, call.caller); !set) {
    return Response::FromError(set.error());
  }
  return Response::Json(200, {{"lab_id", call.id}, {"mode", mode}});
}

}  // namespace

void AddAssistantRoutes(Router& router, assistant::ChatService& chat, auth::AuthService& auth,
                        assistant::AnswerPool& answers) {
  ApiRoutes api(router, &auth);
  api.Add(
      "POST", "/api/v1/assistant/chat", CallerPolicy::kRequired,
      [&chat, &answers](const ApiCall& call) {
        Result<json> body = ParseJsonObjectBody(
            call.request,
            {"scope", "scope.lab_id", "scope.article_id", "message", "conversation_id"});
        if (!body) {
          return Response::FromError(body.error());
        }
        Result<assistant::PreparedChat> prepared = chat.Prepare(*body, call.caller);
        if (!prepared) {
          return Response::FromError(prepared.error());
        }
        return StartChat(chat, answers, std::move(*prepared), call.request.request_id);
      },
      Execution::kWorker);
  api.Add("GET", "/api/v1/assistant/conversations", CallerPolicy::kRequired,
          [&chat](const ApiCall& call) { return ListConversations(call, chat); })
      .query_params = {"lab_id", "article_id", "page", "limit"};
  api.Add("GET", "/api/v1/assistant/conversations/{id}", CallerPolicy::kRequired,
          [&chat](const ApiCall& call) {
            return JsonResponse(chat.GetConversation(call.id, call.caller));
          });
  api.Add("DELETE", "/api/v1/assistant/conversations/{id}", CallerPolicy::kRequired,
          [&chat](const ApiCall& call) {
            return StatusResponse(chat.DeleteConversation(call.id, call.caller));
          });
  api.Add("GET", "/api/v1/labs/{id}/assistant", CallerPolicy::kAnonymous,
          [&chat](const ApiCall& call) {
            Result<std::string> mode = chat.LabMode(call.id);
            if (!mode) {
              return Response::FromError(mode.error());
            }
            return Response::Json(200, {{"lab_id", call.id},
                                        {"mode", *mode},
                                        {"model_configured", chat.model_configured()}});
          });
  api.Add("PUT", "/api/v1/labs/{id}/assistant", CallerPolicy::kRequired,
          [&chat](const ApiCall& call) { return SetLabMode(call, chat); });
}

}  // namespace openlabs::gateway
