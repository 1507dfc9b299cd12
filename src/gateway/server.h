#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "gateway/router.h"

namespace openlabs::gateway {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;    // 0 picks a free port; Listen returns it
  int io_threads = 2;      // one event loop and acceptor (SO_REUSEPORT) each
  int worker_threads = 4;  // pool for routes with Execution::kWorker
  // Larger bodies get 413 payload_too_large. Upload routes (Route::upload_store) stream their
  // body to the blob store under their UploadLimits instead.
  int64_t max_body_bytes = 1 << 20;
  // Reading a request from its first byte, and later writing its response. Handlers are not
  // timed out. Upload bodies and streamed response bodies (Response::body_reader, static files)
  // restart the timeout whenever data moves, so a large transfer ends only when it stalls for
  // this long. Timeouts are checked once a second, so they fire up to a second late.
  int request_timeout_seconds = 30;
  // A connection waiting for its first or next request is closed after this long.
  int idle_timeout_seconds = 60;
  // Open connections, HTTP and WebSocket, at which the server stops accepting new ones. Further
  // clients wait in the listen backlog until a connection closes; the server checks for a free
  // slot every 100 ms. With several io threads up to io_threads - 1 more may be accepted (see
  // HasConnectionSlot). 0 means no limit.
  int max_connections = 0;
  int shutdown_grace_seconds = 20;
  std::vector<std::string> cors_origins;  // exact origins that get CORS headers
  std::string web_root;                   // directory of the built web app; empty serves no files
  // Returns the problems that leave the server ready but a feature unavailable, such as a PDF
  // reader module that does not load. GET /readyz calls it on a worker thread and lists them
  // under "warnings" while it returns 200. May be empty; must be thread-safe.
  std::function<std::vector<std::string>()> readiness_warnings;
  bool handle_signals = false;  // SIGTERM and SIGINT call Stop
  // Runs on a worker thread once the server has handled requests and then seen none start for
  // `idle_seconds` (checked once a second, so up to a second later). The platform uses it to
  // give memory freed after a load back to the system.
  std::function<void()> on_idle;
  int idle_seconds = 1;
  // Runs once when Stop is first called (a signal or a caller), before any connection or thread
  // ends. The platform uses it to mark notebook kernels as ending on purpose.
  std::function<void()> on_stop;
};

// The HTTP/1.1 server of the gateway (Boost.Beast): routing, limits, request ids, logs,
// security headers, CORS, /healthz, /readyz, /metrics, the web app's static files and a
// graceful stop. Request headers are limited to 16 KiB and 100 fields (431 beyond).
class HttpServer {
 public:
  // `readiness_check` backs GET /readyz; it typically pings the database.
  HttpServer(ServerOptions options, const Router& router, std::function<Status()> readiness_check);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening sockets and returns the bound port. Fails when the host does not
  // resolve, the port is in use or web_root is not a directory.
  Result<uint16_t> Listen();

  // Serves until Stop is called, then drains in-flight requests (up to the shutdown grace
  // period) and returns. Blocks the calling thread.
  void Run();

  // Stops accepting connections and lets Run return once in-flight requests finish.
  // Thread-safe.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace openlabs::gateway
