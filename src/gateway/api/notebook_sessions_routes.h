#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "common/call_context.h"
#include "common/error.h"
#include "gateway/router.h"
#include "gateway/websocket.h"
#include "services/auth/auth_service.h"
#include "services/notebooks/session_manager.h"

namespace openlabs::gateway {

// Returns the marimo source of a stored notebook that the caller may run, and writes its assets
// into `assets_dir`, an empty directory that the caller deletes after starting the session.
using NotebookResolver = std::function<Result<std::string>(
    const CallContext& caller, int64_t id, const std::filesystem::path& assets_dir)>;

struct NotebookSessionRoutesOptions {
  // Unset until notebooks are stored; sessions then start only from a source in the request.
  NotebookResolver resolve_notebook;
  WebSocketLimits websocket_limits;
  // Parent of the temporary asset directories of NotebookResolver.
  std::filesystem::path scratch_dir = std::filesystem::temp_directory_path();
  size_t max_source_bytes = 1 << 20;
  // Files sent to one file widget in one upload, in total. The upload goes through a REST
  // route, because a WebSocket message is limited to websocket_limits.max_message_bytes.
  int64_t max_widget_upload_bytes = int64_t{4} << 20;
};

// /api/v1/notebook-sessions: start, inspect, drive and end live notebook sessions, and the
// WebSocket /api/v1/notebook-sessions/{id}/events that streams their events. Every route needs
// the caller's access token, and a session is visible to its owner only.
void AddNotebookSessionRoutes(Router& router, notebooks::SessionManager& sessions,
                              auth::AuthService& auth, NotebookSessionRoutesOptions options);

}  // namespace openlabs::gateway
