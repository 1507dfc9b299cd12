#include "gateway/api/notebook_sessions_routes.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "gateway/api/api_support.h"
#include "services/notebooks/widget_values.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {
namespace {

using nlohmann::json;
using notebooks::Session;
using notebooks::SessionManager;

// How long a route that needs the kernel's reply (adding a cell, exporting) waits for it. The
// kernel handles requests in order, so this covers a cell that is still running.
constexpr auto kReplyTimeout = std::chrono::seconds(45);
constexpr size_t kMaxCodeBytes = 256 << 10;
constexpr size_t kMaxCellsPerRun = 1000;
constexpr size_t kMaxIdBytes = 64;
// Files in one upload to a file widget.
constexpr int kMaxWidgetUploadFiles = 16;

// A string field of at most `max_bytes`; kInvalidArgument names the field.
Result<std::string> StringField(const json& body, const char* name, size_t max_bytes,
                                bool required = true) {
  if (!body.contains(name)) {
    if (required) {
      return Fail(Error::Validation({{name, "is required"}}));
    }
    return std::string();
  }
  if (!body[name].is_string()) {
    return Fail(Error::Validation({{name, "must be a string"}}));
  }
  std::string value = body[name];
  if (value.size() > max_bytes) {
    return Fail(
        Error::Validation({{name, "must be at most " + std::to_string(max_bytes) + " bytes"}}));
  }
  return value;
}

// A cell or widget id from a path or a body: short and printable, as the kernel makes them.
Status CheckId(std::string_view id, const char* field) {
  const bool valid =
      !id.empty() && id.size() <= kMaxIdBytes && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
  if (!valid) {
    return Fail(Error::Validation({{field, "must be an id of letters, digits, '-' and '_'"}}));
  }
  return {};
}

Result<std::shared_ptr<Session>> CallerSession(const Request& request, SessionManager& sessions,
                                               auth::AuthService& auth,
                                               CallContext* caller_out = nullptr) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Fail(caller.error());
  }
  if (caller_out != nullptr) {
    *caller_out = *caller;
  }
  return sessions.Get(std::string(request.PathParam("id")), caller->user_id);
}

Response Submitted(const Result<int64_t>& request_id) {
  if (!request_id) {
    return Response::FromError(request_id.error());
  }
  return Response::Json(202, {{"request", *request_id}});
}

// Checks the "cells" of a run request: 1 to kMaxCellsPerRun ids of cells the session has.
// kValidationFailed on field "cells" names the ids the session does not have.
Result<json> CheckRunCells(const Session& session, const json& cells) {
  if (!cells.is_array() || cells.empty() || cells.size() > kMaxCellsPerRun) {
    return Fail(Error::Validation(
        {{"cells", "must be a list of 1 to " + std::to_string(kMaxCellsPerRun) + " cell ids"}}));
  }
  std::vector<std::string> ids;
  for (const json& cell : cells) {
    if (!cell.is_string() || !CheckId(cell.get<std::string>(), "cells")) {
      return Fail(Error::Validation({{"cells", "contains an invalid cell id"}}));
    }
    ids.push_back(cell.get<std::string>());
  }
  std::vector<std::string> unknown = session.UnknownCells(ids);
  if (!unknown.empty()) {
    std::string list;
    for (const std::string& id : unknown) {
      list += (list.empty() ? "" : ", ") + id;
    }
    Error error = Error::Validation({{"cells", "the session has no cell with id " + list}});
    error.message = "The session has no cell with id " + list + ".";
    return Fail(std::move(error));
  }
  return cells;
}

// The kernel's reply as a response: `done` is 200 with its fields, `failed` is 422.
Response ReplyResponse(const Result<json>& reply, int status = 200) {
  if (!reply) {
    return Response::FromError(reply.error());
  }
  if ((*reply)["type"] != "done") {
    return Response::FromError(Error{ErrorCode::kValidationFailed,
                                     "The notebook kernel rejected the request: " +
                                         reply->value("message", std::string("no reason given"))});
  }
  json body = *reply;
  body.erase("type");
  return Response::Json(status, body);
}

Response CreateSession(const Request& request, SessionManager& sessions, auth::AuthService& auth,
                       const NotebookSessionRoutesOptions& options) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<json> body = ParseJsonObjectBody(request, {"notebook_id", "source"});
  if (!body) {
    return Response::FromError(body.error());
  }
  notebooks::NotebookSource source;
  if (body->contains("notebook_id")) {
    const json& id = (*body)["notebook_id"];
    if (!id.is_number_integer() || id.get<int64_t>() <= 0) {
      return Response::FromError(
          Error::Validation({{"notebook_id", "must be a positive integer"}}));
    }
    if (!options.resolve_notebook) {
      return Response::FromError(Error::NotFound(
          "Stored notebooks are not available on this server; send the notebook's source."));
    }
    std::string pattern = (options.scratch_dir / "notebook-assets-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Response::FromError(Error::Internal("cannot create a directory under " +
                                                 options.scratch_dir.string()));
    }
    source.assets_dir = pattern;
    Result<std::string> resolved =
        options.resolve_notebook(*caller, id.get<int64_t>(), source.assets_dir);
    if (!resolved) {
      std::error_code ignored;
      std::filesystem::remove_all(source.assets_dir, ignored);
      return Response::FromError(resolved.error());
    }
    source.marimo_source = std::move(*resolved);
    source.notebook_id = id.get<int64_t>();
  } else {
    Result<std::string> text = StringField(*body, "source", options.max_source_bytes);
    if (!text) {
      return Response::FromError(text.error());
    }
    source.marimo_source = std::move(*text);
  }
  Result<std::shared_ptr<Session>> session = sessions.Create(caller->user_id, source);
  if (!source.assets_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(source.assets_dir, ignored);
  }
  if (!session) {
    if (session.error().code == ErrorCode::kInternal ||
        session.error().code == ErrorCode::kUnavailable) {
      logging::ScopedRequestId scoped_id(request.request_id);
      spdlog::error("Starting a notebook session for user {} failed: {} {}", caller->user_id,
                    session.error().message, session.error().internal);
    }
    return Response::FromError(session.error());
  }
  json snapshot = (*session)->Snapshot();
  return Response::Json(201,
                        {{"id", (*session)->id()},
                         {"events", "/api/v1/notebook-sessions/" + (*session)->id() + "/events"},
                         {"cells", snapshot["cells"]}});
}

int64_t UnixMillis(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// The caller's sessions that count towards its limit, so that a client which lost a session id
// can find the session and end it.
Response ListSessions(const Request& request, SessionManager& sessions, auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  const auto system_now = std::chrono::system_clock::now();
  const auto steady_now = std::chrono::steady_clock::now();
  json items = json::array();
  for (const std::shared_ptr<Session>& session : sessions.List(caller->user_id)) {
    const auto idle = std::chrono::duration_cast<std::chrono::system_clock::duration>(
        steady_now - session->last_active());
    const std::optional<int64_t> notebook_id = session->notebook_id();
    items.push_back({{"id", session->id()},
                     {"notebook_id", notebook_id ? json(*notebook_id) : json()},
                     {"started_at", UnixMillis(session->opened_at())},
                     {"last_active_at", UnixMillis(system_now - idle)},
                     {"ended", session->ended()}});
  }
  return Response::Json(
      200, {{"items", items}, {"max_sessions_per_user", sessions.options().max_sessions_per_user}});
}

// Fails with kNotFound when no cell of the session has shown a widget with this id. A value for
// a cell id, or for a widget of a cell that has not run yet, is then rejected here rather than
// dropped by the kernel after the request was accepted.
// NOTE: the kernel sends no `widgets` event for a run that creates no widgets, so after such a
// re-run the session still lists the cell's old widgets. A value for one of them passes this
// check, and the kernel's `failed` event, sent to the session's subscribers, reports it.
Status CheckWidgetKnown(const Session& session, const std::string& widget) {
  if (session.HasWidget(widget)) {
    return {};
  }
  Error error = Error::NotFound("The session has no widget with id " + widget +
                                "; run the cell that creates it first.");
  error.details = {{"widget", "the session has no widget with id " + widget}};
  return Fail(std::move(error));
}

// Checks that the session has the widget and that `value` fits its definition (kNotFound or
// kValidationFailed).
Status CheckWidgetValue(const Session& session, const std::string& widget, const json& value) {
  const std::optional<json> definition = session.FindWidget(widget);
  if (!definition) {
    return CheckWidgetKnown(session, widget);
  }
  return notebooks::CheckWidgetValue(*definition, value);
}

// Returns the `{widget}` path parameter after checking that it is a widget id of the session.
Result<std::string> PathWidget(const Request& request, const Session& session) {
  std::string widget(request.PathParam("widget"));
  if (Status valid = CheckId(widget, "widget"); !valid) {
    return Fail(valid.error());
  }
  if (Status known = CheckWidgetKnown(session, widget); !known) {
    return Fail(known.error());
  }
  return widget;
}

Response RunCells(const Request& request, SessionManager& sessions, auth::AuthService& auth) {
  Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
  if (!session) {
    return Response::FromError(session.error());
  }
  Result<json> body = ParseJsonObjectBody(request, {"cells"});
  if (!body) {
    return Response::FromError(body.error());
  }
  Result<json> cells = CheckRunCells(**session, body->value("cells", json()));
  if (!cells) {
    return Response::FromError(cells.error());
  }
  return Submitted((*session)->Submit({{"type", "run"}, {"cells", *cells}}));
}

Response SetWidget(const Request& request, SessionManager& sessions, auth::AuthService& auth) {
  Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
  if (!session) {
    return Response::FromError(session.error());
  }
  Result<json> body = ParseJsonObjectBody(request, {"value"});
  if (!body) {
    return Response::FromError(body.error());
  }
  Result<std::string> widget = PathWidget(request, **session);
  if (!widget) {
    return Response::FromError(widget.error());
  }
  if (!body->contains("value")) {
    return Response::FromError(Error::Validation({{"value", "is required"}}));
  }
  if (Status valid = CheckWidgetValue(**session, *widget, (*body)["value"]); !valid) {
    return Response::FromError(valid.error());
  }
  return Submitted((*session)->Submit(
      {{"type", "set_widget"}, {"widget", *widget}, {"value", (*body)["value"]}}));
}

// Hands the uploaded files to a file widget. The server has streamed them into `blobs`; they
// are read into memory (at most max_total_bytes) and deleted from there in every case.
Response UploadWidgetFiles(const Request& request, SessionManager& sessions,
                           auth::AuthService& auth, storage::BlobStore& blobs,
                           int64_t max_total_bytes) {
  struct DeleteBlobs {
    const Request& request;
    storage::BlobStore& blobs;
    ~DeleteBlobs() {
      for (const UploadedFile& file : request.files) {
        if (Status deleted = blobs.Delete(file.blob_key); !deleted) {
          logging::ScopedRequestId scoped_id(request.request_id);
          spdlog::error("Deleting the widget upload {} failed: {}", file.blob_key,
                        deleted.error().internal);
        }
      }
    }
  } delete_blobs{request, blobs};

  Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
  if (!session) {
    return Response::FromError(session.error());
  }
  Result<std::string> widget = PathWidget(request, **session);
  if (!widget) {
    return Response::FromError(widget.error());
  }
  if (request.files.empty()) {
    return Response::FromError(
        Error::Validation({{"file", "the form must contain at least one file part"}}));
  }
  int64_t total_bytes = 0;
  for (const UploadedFile& file : request.files) {
    total_bytes += file.size;
  }
  if (total_bytes > max_total_bytes) {
    return Response::FromError(
        Error{ErrorCode::kPayloadTooLarge, "The files have " + std::to_string(total_bytes) +
                                               " bytes in total, more than " +
                                               std::to_string(max_total_bytes) +
                                               " bytes, the maximum for one file widget upload "
                                               "(notebooks.max_widget_upload_bytes)."});
  }
  std::vector<notebooks::WidgetFile> files;
  for (const UploadedFile& file : request.files) {
    Result<std::string> contents = blobs.Get(file.blob_key);
    if (!contents) {
      return Response::FromError(contents.error());
    }
    files.push_back({file.filename, std::move(*contents)});
  }
  return Submitted((*session)->SubmitWidgetFiles(*widget, files));
}

Response AddCell(const Request& request, SessionManager& sessions, auth::AuthService& auth) {
  Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
  if (!session) {
    return Response::FromError(session.error());
  }
  Result<json> body = ParseJsonObjectBody(request, {"code", "after"});
  if (!body) {
    return Response::FromError(body.error());
  }
  Result<std::string> code = StringField(*body, "code", kMaxCodeBytes, false);
  Result<std::string> after = StringField(*body, "after", kMaxIdBytes, false);
  if (!code || !after) {
    return Response::FromError(!code ? code.error() : after.error());
  }
  json add = {{"type", "add_cell"}, {"code", *code}};
  if (!after->empty()) {
    add["after"] = *after;
  }
  return ReplyResponse((*session)->Call(std::move(add), kReplyTimeout), 201);
}

Response UpdateCell(const Request& request, SessionManager& sessions, auth::AuthService& auth) {
  Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
  if (!session) {
    return Response::FromError(session.error());
  }
  const std::string cell(request.PathParam("cell"));
  if (Status valid = CheckId(cell, "cell"); !valid) {
    return Response::FromError(valid.error());
  }
  Result<json> body = ParseJsonObjectBody(request, {"code", "run"});
  if (!body) {
    return Response::FromError(body.error());
  }
  Result<std::string> code = StringField(*body, "code", kMaxCodeBytes);
  if (!code) {
    return Response::FromError(code.error());
  }
  Result<json> updated =
      (*session)->Call({{"type", "update_cell"}, {"cell", cell}, {"code", *code}}, kReplyTimeout);
  if (!updated || (*updated)["type"] != "done" || !body->value("run", false)) {
    return ReplyResponse(updated);
  }
  return Submitted((*session)->Submit({{"type", "run"}, {"cells", {cell}}}));
}

Response DeleteCell(const Request& request, SessionManager& sessions, auth::AuthService& auth) {
  Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
  if (!session) {
    return Response::FromError(session.error());
  }
  const std::string cell(request.PathParam("cell"));
  if (Status valid = CheckId(cell, "cell"); !valid) {
    return Response::FromError(valid.error());
  }
  return Submitted((*session)->Submit({{"type", "delete_cell"}, {"cell", cell}}));
}

// The events of one session to one browser. The first message must be
// {"type": "auth", "token": <access token>}; after it the client receives a `snapshot` and then
// every event of the session, and may send `run`, `run_all`, `set_widget` and `interrupt`.
class SessionEvents final : public WebSocketHandler {
 public:
  SessionEvents(SessionManager& sessions, auth::AuthService& auth, std::string session_id,
                std::string remote_address, std::shared_ptr<WebSocketConnection> connection)
      : sessions_(sessions),
        auth_(auth),
        session_id_(std::move(session_id)),
        remote_address_(std::move(remote_address)),
        connection_(std::move(connection)) {}

  void OnMessage(std::string_view text) override {
    json message = json::parse(text, nullptr, false);
    const bool well_formed =
        !message.is_discarded() && message.is_object() && message["type"].is_string();
    // Before authentication there is no session to report to, so a malformed first message
    // closes the connection as Authenticate does for a wrong one.
    if (!well_formed && !session_) {
      connection_->Close(1008, "the first message must be {\"type\": \"auth\", \"token\": ...}");
      return;
    }
    if (!well_formed) {
      Reject("Each message must be a JSON object with a \"type\".");
      return;
    }
    const std::string type = message["type"];
    if (!session_) {
      Authenticate(type, message);
      return;
    }
    Result<int64_t> submitted = Submit(type, message);
    if (!submitted) {
      Reject(submitted.error().message);
    }
  }

  void OnClose() override {
    if (session_) {
      session_->Unsubscribe(listener_);
      session_.reset();
    }
  }

 private:
  void Authenticate(const std::string& type, const json& message) {
    if (type != "auth" || !message["token"].is_string()) {
      connection_->Close(1008, "the first message must be {\"type\": \"auth\", \"token\": ...}");
      return;
    }
    Request carrier;
    carrier.headers.emplace_back("authorization", "Bearer " + message["token"].get<std::string>());
    carrier.remote_address = remote_address_;
    Result<CallContext> caller = RequireCaller(carrier, auth_);
    if (!caller) {
      connection_->Close(1008, "the access token is invalid or expired");
      return;
    }
    Result<std::shared_ptr<Session>> session = sessions_.Get(session_id_, caller->user_id);
    if (!session) {
      connection_->Close(1008, "no such notebook session is open for you");
      return;
    }
    session_ = std::move(*session);
    listener_ = session_->Subscribe(
        [connection = connection_](const std::string& event) { connection->Send(event); });
  }

  Result<int64_t> Submit(const std::string& type, const json& message) {
    if (type == "run_all" || type == "interrupt") {
      return session_->Submit({{"type", type}});
    }
    if (type == "run") {
      Result<json> cells = CheckRunCells(*session_, message.value("cells", json()));
      if (!cells) {
        return Fail(cells.error());
      }
      return session_->Submit({{"type", "run"}, {"cells", *cells}});
    }
    if (type == "set_widget") {
      const json widget = message.value("widget", json());
      if (!widget.is_string() || !CheckId(widget.get<std::string>(), "widget") ||
          !message.contains("value")) {
        return Fail(Error::InvalidArgument("set_widget needs a \"widget\" id and a \"value\"."));
      }
      if (Status valid = CheckWidgetValue(*session_, widget.get<std::string>(), message["value"]);
          !valid) {
        return Fail(valid.error());
      }
      return session_->Submit(
          {{"type", "set_widget"}, {"widget", widget}, {"value", message["value"]}});
    }
    return Fail(Error::InvalidArgument("Unknown message type \"" + type +
                                       "\"; use run, run_all, set_widget or interrupt."));
  }

  void Reject(const std::string& message) {
    connection_->Send(json({{"type", "rejected"}, {"message", message}}).dump());
  }

  SessionManager& sessions_;
  auth::AuthService& auth_;
  std::string session_id_;
  std::string remote_address_;
  std::shared_ptr<WebSocketConnection> connection_;
  std::shared_ptr<Session> session_;
  int64_t listener_ = 0;
};

}  // namespace

void AddNotebookSessionRoutes(Router& router, SessionManager& sessions, auth::AuthService& auth,
                              NotebookSessionRoutesOptions options) {
  const std::string base = "/api/v1/notebook-sessions";
  router.Add(
      "POST", base,
      [&sessions, &auth, options](const Request& request) {
        return CreateSession(request, sessions, auth, options);
      },
      Execution::kWorker);
  router.Add("GET", base, [&sessions, &auth](const Request& request) {
    return ListSessions(request, sessions, auth);
  });
  router.Add("GET", base + "/{id}", [&sessions, &auth](const Request& request) {
    Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
    if (!session) {
      return Response::FromError(session.error());
    }
    return Response::Json(200, (*session)->Snapshot());
  });
  router.Add(
      "DELETE", base + "/{id}",
      [&sessions, &auth](const Request& request) {
        Result<CallContext> caller = RequireCaller(request, auth);
        if (!caller) {
          return Response::FromError(caller.error());
        }
        return StatusResponse(sessions.End(std::string(request.PathParam("id")), caller->user_id));
      },
      Execution::kWorker);
  router.Add("POST", base + "/{id}/run", [&sessions, &auth](const Request& request) {
    return RunCells(request, sessions, auth);
  });
  router.Add("POST", base + "/{id}/run-all", [&sessions, &auth](const Request& request) {
    Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
    if (!session) {
      return Response::FromError(session.error());
    }
    return Submitted((*session)->Submit({{"type", "run_all"}}));
  });
  router.Add("POST", base + "/{id}/interrupt", [&sessions, &auth](const Request& request) {
    Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
    if (!session) {
      return Response::FromError(session.error());
    }
    return Submitted((*session)->Submit({{"type", "interrupt"}}));
  });
  router.Add("POST", base + "/{id}/widgets/{widget}", [&sessions, &auth](const Request& request) {
    return SetWidget(request, sessions, auth);
  });
  // Uploads land in a blob store of their own under the session root. The handler keeps it
  // alive, and the route refers to it, as long as the router exists.
  std::shared_ptr<storage::BlobStore> upload_blobs =
      storage::MakeLocalBlobStore((options.scratch_dir / "widget-uploads").string());
  Route upload;
  upload.method = "POST";
  upload.pattern = base + "/{id}/widgets/{widget}/files";
  upload.execution = Execution::kWorker;
  upload.upload_store = upload_blobs.get();
  upload.upload_limits.max_file_bytes = options.max_widget_upload_bytes;
  upload.upload_limits.max_files = kMaxWidgetUploadFiles;
  upload.handler = [&sessions, &auth, upload_blobs,
                    max_bytes = options.max_widget_upload_bytes](const Request& request) {
    return UploadWidgetFiles(request, sessions, auth, *upload_blobs, max_bytes);
  };
  router.Add(std::move(upload));
  router.Add(
      "POST", base + "/{id}/cells",
      [&sessions, &auth](const Request& request) { return AddCell(request, sessions, auth); },
      Execution::kWorker);
  router.Add(
      "PUT", base + "/{id}/cells/{cell}",
      [&sessions, &auth](const Request& request) { return UpdateCell(request, sessions, auth); },
      Execution::kWorker);
  router.Add("DELETE", base + "/{id}/cells/{cell}", [&sessions, &auth](const Request& request) {
    return DeleteCell(request, sessions, auth);
  });
  router.Add(
      "GET", base + "/{id}/export",
      [&sessions, &auth](const Request& request) {
        Result<std::shared_ptr<Session>> session = CallerSession(request, sessions, auth);
        if (!session) {
          return Response::FromError(session.error());
        }
        return ReplyResponse((*session)->Call({{"type", "export"}}, kReplyTimeout));
      },
      Execution::kWorker);

  Route events;
  events.method = "GET";
  events.pattern = base + "/{id}/events";
  events.handler = [](const Request&) {
    Response response = Response::FromError(Error::InvalidArgument(
        "This is a WebSocket endpoint: send a GET request with \"Upgrade: websocket\"."));
    response.status = 426;
    response.headers.emplace_back("Upgrade", "websocket");
    return response;
  };
  events.websocket_limits = options.websocket_limits;
  events.websocket = [&sessions, &auth](const Request& request,
                                        std::shared_ptr<WebSocketConnection> connection)
      -> Result<std::shared_ptr<WebSocketHandler>> {
    const std::string id(request.PathParam("id"));
    if (Status valid = CheckId(id, "id"); !valid) {
      return Fail(valid.error());
    }
    return std::make_shared<SessionEvents>(sessions, auth, id, request.remote_address,
                                           std::move(connection));
  };
  router.Add(std::move(events));
}

}  // namespace openlabs::gateway
