// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>, which g++ 12
// needs included before any Asio header.
// clang-format off
#include <utility>
// clang-format on

#include "gateway/server.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <exception>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include "common/logging.h"
#include "gateway/dispatcher.h"
#include "gateway/metrics.h"
#include "gateway/response_stream.h"
#include "gateway/static_files.h"
#include "gateway/upload/upload_body.h"
#include "gateway/url.h"
#include "gateway/websocket_server.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kHeaderLimitBytes = 16 * 1024;
constexpr size_t kMaxHeaderCount = 100;
constexpr size_t kReadChunkBytes = 16 * 1024;
// Upload bodies are read in larger pieces: each read is one parser and one blob write call, and
// fewer, larger calls move a big file faster. The buffer is released after the request.
constexpr size_t kUploadReadBytes = 512 * 1024;
// Streamed response bodies (Response::body_reader, static files) are read and written in chunks
// of this size, so a download uses at most one chunk of memory.
constexpr size_t kStreamChunkBytes = 256 * 1024;
// Buffers that grew past this for one large request are released before the next one.
constexpr size_t kRetainedBufferBytes = 64 * 1024;
// Deadlines are checked by one timer per io thread at this interval, so a timeout fires up to
// this much late. That costs nothing per request, unlike re-arming a timer for every read.
constexpr auto kSweepInterval = std::chrono::seconds(1);
// After an error response the server reads and discards what the client still sends, for at
// most this long and this many bytes, so that closing does not reset the connection before the
// client has read the response.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr size_t kMaxLingerBytes = 16 * 1024 * 1024;
// The body of an upload rejected on its request head (for example 401) is read and discarded up
// to its announced size, within the route's body limit. So a client that sends the whole body
// before it reads the response gets the response rather than a connection reset. The drain
// stops after this long in total, or when no bytes arrive for kLingerTimeout.
constexpr auto kRejectedUploadDrainTimeout = std::chrono::seconds(30);
// How long accepting pauses after an error (typically EMFILE) or at max_connections.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// Accept failures and pauses at max_connections are logged at most once per this interval.
constexpr auto kAcceptWarningInterval = std::chrono::seconds(60);

constexpr auto kAwaitable = asio::use_awaitable;

// The part of a request that ReadMessage reads: the header, a body collected in memory, or an
// upload body, which is read in larger pieces and restarts the request timeout on every read.
enum class ReadPhase {
  kHeader,
  kBody,
  kUploadBody,
};

// How much and how long a lingering close reads and discards before it closes the socket.
struct Linger {
  uint64_t max_bytes = kMaxLingerBytes;
  std::chrono::seconds max_time = kLingerTimeout;
  size_t read_bytes = kReadChunkBytes;  // per read; the bytes go to the connection's buffer
};

// The error a RequestParser body callback returns when the UploadBody rejected the data. The
// reason is in UploadBody::error().
error_code UploadFailed() {
  return boost::system::errc::make_error_code(boost::system::errc::operation_canceled);
}

// Fills a gateway::Request straight from the parser's callbacks, which avoids building Beast's
// header container and copying out of it. The body goes to request.body, or to an UploadBody
// for upload routes. Beast's own body limit is off because the limit depends on the route,
// which is known only after the header: ReceiveBodyInto sets it before the body is parsed.
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(Request& request) : request_(request) {
    header_limit(kHeaderLimitBytes);
    // Not boost::none: Boost 1.74 compares the Content-Length with the optional limit, and any
    // length is greater than an empty optional.
    body_limit(std::numeric_limits<uint64_t>::max());
  }

  // Limits the body to `limit` bytes and, when `upload` is set, passes it there chunk by chunk
  // instead of collecting it in request.body.
  void ReceiveBodyInto(uint64_t limit, UploadBody* upload) {
    limit_ = limit;
    upload_ = upload;
  }

  // True when the header announces a body: chunked coding or a Content-Length above 0.
  bool AnnouncesBody() const { return chunked() || content_length().value_or(0) > 0; }

  // True when the Content-Length is above the body limit.
  bool AnnouncesTooLargeBody() const { return content_length().value_or(0) > limit_; }

  uint64_t body_bytes() const { return received_; }

 private:
  void on_request_impl(http::verb, beast::string_view method, beast::string_view target, int,
                       error_code&) override {
    request_.method.assign(method.data(), method.size());
    request_.target.assign(target.data(), target.size());
  }

  void on_response_impl(int, beast::string_view, int, error_code& ec) override {
    ec = http::error::bad_version;
  }

  void on_field_impl(http::field, beast::string_view name, beast::string_view value,
                     error_code& ec) override {
    if (request_.headers.size() >= kMaxHeaderCount) {
      ec = http::error::header_limit;
      return;
    }
    std::string lower(name.data(), name.size());
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
    request_.headers.emplace_back(std::move(lower), std::string(value.data(), value.size()));
  }

  void on_header_impl(error_code&) override {}

  void on_body_init_impl(const boost::optional<uint64_t>& content_length, error_code& ec) override {
    if (content_length && *content_length > limit_) {
      ec = http::error::body_limit;
      return;
    }
    if (content_length && upload_ == nullptr) {
      request_.body.reserve(static_cast<size_t>(*content_length));
    }
  }

  size_t on_body_impl(beast::string_view body, error_code& ec) override {
    return Consume(body, ec);
  }

  // Rejects a chunk as soon as its size line announces more than the rest of the limit, so the
  // client gets 413 at once instead of the server waiting for data it would reject.
  void on_chunk_header_impl(uint64_t size, beast::string_view, error_code& ec) override {
    if (size > limit_ - received_) {
      ec = http::error::body_limit;
    }
  }

  size_t on_chunk_body_impl(uint64_t, beast::string_view body, error_code& ec) override {
    return Consume(body, ec);
  }

  void on_finish_impl(error_code&) override {}

  size_t Consume(beast::string_view body, error_code& ec) {
    if (body.size() > limit_ - received_) {
      ec = http::error::body_limit;
      return 0;
    }
    received_ += body.size();
    if (upload_ == nullptr) {
      request_.body.append(body.data(), body.size());
      return body.size();
    }
    // NOTE: UploadBody writes file data to the blob store synchronously, so this call blocks the
    // io thread on disk I/O (and on the final fsync of each file). Other connections of this io
    // thread wait meanwhile. Moving the writes to a worker thread would remove that stall.
    if (!upload_->Feed(std::string_view(body.data(), body.size()))) {
      ec = UploadFailed();
      return 0;
    }
    return body.size();
  }

  Request& request_;
  uint64_t limit_ = 0;
  uint64_t received_ = 0;
  UploadBody* upload_ = nullptr;
};

struct Loop;

// The state of one client connection, reused from request to request so that a keep-alive
// connection does not allocate its buffers again.
struct Connection {
  Connection(Loop& owner, tcp::socket s) : loop(owner), socket(std::move(s)) {}

  Loop& loop;
  tcp::socket socket;
  Clock::time_point deadline = Clock::time_point::max();
  bool idle = false;  // waiting for the first byte of a request; Stop closes idle connections
  beast::flat_buffer buffer;
  Request request;
  std::string head;  // serialized status line and headers of the current response
};

// One io thread: its own io_context and acceptor on the shared port (SO_REUSEPORT), and the
// connections it accepted. Only that thread touches these members while serving.
struct Loop {
  explicit Loop(size_t loop_index) : index(loop_index) {}

  size_t index;
  // Declared before `io` so that it outlives the coroutine frames destroyed with `io`.
  std::list<Connection*> connections;
  asio::io_context io{1};
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> sweep_timer;
  std::optional<asio::signal_set> signals;
};

class InFlightGuard {
 public:
  InFlightGuard(HttpMetrics& metrics, size_t shard) : metrics_(metrics), shard_(shard) {
    metrics_.AddInFlight(shard_, 1);
  }
  ~InFlightGuard() { metrics_.AddInFlight(shard_, -1); }
  InFlightGuard(const InFlightGuard&) = delete;
  InFlightGuard& operator=(const InFlightGuard&) = delete;

 private:
  HttpMetrics& metrics_;
  size_t shard_;
};

bool IsParseError(const error_code& ec) {
  return ec.category() == error_code(http::error::need_more).category() &&
         ec != http::error::end_of_stream;
}

Response ParseErrorResponse(const error_code& ec, uint64_t max_body_bytes) {
  if (ec == http::error::body_limit) {
    return Response::FromError(
        {ErrorCode::kPayloadTooLarge,
         "The request body is larger than " + std::to_string(max_body_bytes) + " bytes."});
  }
  if (ec == http::error::header_limit) {
    Response response = Response::FromError(Error::InvalidArgument(
        "The request header is larger than " + std::to_string(kHeaderLimitBytes / 1024) +
        " KiB or has more than " + std::to_string(kMaxHeaderCount) + " fields."));
    response.status = 431;
    return response;
  }
  return Response::FromError(Error::InvalidArgument("The request is not valid HTTP/1.1."));
}

void ResetRequest(Request& request) {
  request.method.clear();
  request.target.clear();
  request.path.clear();
  request.query.clear();
  request.headers.clear();
  request.request_id.clear();
  request.path_params.clear();
  request.form.clear();
  request.files.clear();
  if (request.body.capacity() > kRetainedBufferBytes) {
    std::string().swap(request.body);
  }
  request.body.clear();
}

bool SendsBody(const Request& request, int status) {
  return request.method != "HEAD" && status >= 200 && status != 204 && status != 304;
}

bool IsUploadRoute(const Dispatch& dispatch) {
  return dispatch.kind == Dispatch::Kind::kHandle && dispatch.route->upload_store != nullptr;
}

// Deletes the files of an upload whose handler rejected the request, so that nothing of it stays
// stored.
void DeleteUploadedFiles(const Route& route, Request& request) {
  for (const UploadedFile& file : request.files) {
    if (Status deleted = route.upload_store->Delete(file.blob_key); !deleted) {
      logging::ScopedRequestId scoped_id(request.request_id);
      spdlog::error("Deleting upload {} of a rejected request failed: {}", file.blob_key,
                    deleted.error().internal);
    }
  }
  request.files.clear();
}

bool ExpectsContinue(const Request& request) {
  const std::string_view expect = request.Header("expect");
  return expect.size() == 12 && strncasecmp(expect.data(), "100-continue", 12) == 0;
}

void LogCoroutineException(std::exception_ptr exception) {
  if (!exception) {
    return;
  }
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& error) {
    spdlog::error("HTTP server task ended with an exception: {}", error.what());
  } catch (...) {
    spdlog::error("HTTP server task ended with a non-standard exception");
  }
}

std::string AddressText(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// Binds a socket without SO_REUSEPORT to `endpoint` and closes it again. The kernel lets such a
// socket bind only while no other socket is bound to the address, whereas the SO_REUSEPORT
// acceptors would join another process's listener and share its connections. Returns the bound
// port, which for port 0 is the one the kernel chose.
// NOTE: two servers that start within the few microseconds between this close and the first
// acceptor's bind can still both pass the probe and share the port.
Result<uint16_t> ProbeAddress(asio::io_context& io, const tcp::endpoint& endpoint) {
  error_code ec;
  tcp::acceptor probe(io);
  probe.open(endpoint.protocol(), ec);
  if (!ec) {
    // Lets a restarted server bind while connections of the previous one are in TIME_WAIT.
    probe.set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    probe.bind(endpoint, ec);
  }
  if (ec == asio::error::address_in_use) {
    return Fail(Error{ErrorCode::kUnavailable,
                      "The address " + AddressText(endpoint) +
                          " is already in use by another socket. Stop the process that "
                          "listens there or choose another port."});
  }
  if (ec) {
    return Fail(Error{ErrorCode::kUnavailable,
                      "Failed to listen on " + AddressText(endpoint) + ": " + ec.message() +
                          ". Choose a free port or stop the process that uses it."});
  }
  const uint16_t port = probe.local_endpoint(ec).port();
  probe.close(ec);
  return port;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(ServerOptions options, const Router& router, std::function<Status()> readiness_check)
      : options_(std::move(options)),
        router_(router),
        readiness_check_(std::move(readiness_check)),
        metrics_(static_cast<size_t>(std::max(1, options_.io_threads))),
        workers_(static_cast<size_t>(std::max(1, options_.worker_threads))) {}

  ~Impl() {
    Stop();
    workers_.join();
  }

  Result<uint16_t> Listen();
  void Run();
  void Stop();

 private:
  Status OpenAcceptor(Loop& loop, const tcp::endpoint& endpoint);
  void RunLoop(Loop& loop);
  void WaitForLoops();
  void BeginShutdown(Loop& loop);

  asio::awaitable<void> Accept(Loop& loop);
  asio::awaitable<void> Sweep(Loop& loop);
  void CheckIdle(Clock::time_point now);
  asio::awaitable<void> Serve(Loop& loop, tcp::socket socket);
  asio::awaitable<bool> ServeOne(Connection& connection);
  asio::awaitable<bool> WaitForRequest(Connection& connection);
  asio::awaitable<bool> ReceiveBody(Connection& connection, RequestParser& parser,
                                    Clock::time_point started);
  asio::awaitable<bool> ReceiveUpload(Connection& connection, RequestParser& parser,
                                      Dispatch& dispatch, Clock::time_point started);
  asio::awaitable<error_code> ReadBody(Connection& connection, RequestParser& parser,
                                       ReadPhase phase);
  asio::awaitable<error_code> ReadMessage(Connection& connection, RequestParser& parser,
                                          ReadPhase phase);
  asio::awaitable<void> RejectMalformed(Connection& connection, const error_code& ec,
                                        uint64_t body_limit, Clock::time_point started);
  asio::awaitable<void> RejectAndClose(Connection& connection, const Response& response,
                                       std::string_view label, Clock::time_point started,
                                       Linger linger = {});
  Dispatch Decide(Request& request, bool has_body) const;
  asio::awaitable<void> Execute(Connection& connection, Dispatch& dispatch);
  asio::awaitable<void> Handle(Connection& connection, Dispatch& dispatch);
  asio::awaitable<Response> RunOnWorker(const Route& route, const Request& request);
  asio::awaitable<bool> Reply(Connection& connection, const Dispatch& dispatch,
                              bool client_keep_alive, Clock::time_point started);
  asio::awaitable<bool> Upgrade(Connection& connection, Dispatch& dispatch,
                                Clock::time_point started);
  asio::awaitable<bool> SendResponse(Connection& connection, const Response& response,
                                     bool no_store, bool keep_alive, uint64_t& body_bytes);
  asio::awaitable<bool> SendStream(Connection& connection, const Response& response, bool no_store,
                                   bool keep_alive, uint64_t& body_bytes);
  asio::awaitable<bool> SendChunked(Connection& connection, const Response& response, bool no_store,
                                    bool keep_alive, uint64_t& body_bytes);
  asio::awaitable<void> LingeringClose(Connection& connection, Linger linger);
  std::chrono::seconds RequestTimeout() const {
    return std::chrono::seconds(options_.request_timeout_seconds);
  }
  bool HasConnectionSlot();
  bool ShouldLogAcceptWarning();

  ServerOptions options_;
  const Router& router_;
  std::function<Status()> readiness_check_;
  std::atomic<bool> stopping_{false};
  // The metrics and dispatcher outlive `loops_`, whose coroutine frames refer to them.
  HttpMetrics metrics_;
  std::optional<Dispatcher> dispatcher_;
  WebSocketRegistry websockets_;
  std::vector<std::unique_ptr<Loop>> loops_;
  // Destroyed before `loops_`: its tasks post their results to the loops' io_contexts.
  asio::thread_pool workers_;
  std::string listen_address_;

  std::mutex run_mutex_;
  std::condition_variable run_changed_;
  bool stop_requested_ = false;
  size_t loops_finished_ = 0;

  // HTTP connections being served, for max_connections. Upgraded WebSocket connections are
  // counted by websockets_ instead.
  std::atomic<size_t> http_connections_{0};
  // When an accept problem was last logged, in steady-clock nanoseconds; 0 before the first.
  std::atomic<int64_t> last_accept_warning_{0};

  // Requests begun, for CheckIdle. The other idle fields belong to the first loop's thread.
  std::atomic<uint64_t> requests_started_{0};
  uint64_t requests_seen_ = 0;
  Clock::time_point last_request_seen_;
  bool idle_callback_due_ = false;
};

Result<uint16_t> HttpServer::Impl::Listen() {
  if (!loops_.empty()) {
    return Fail(Error::FailedPrecondition("The HTTP server is already listening."));
  }

  StaticFiles static_files;
  if (!options_.web_root.empty()) {
    Result<StaticFiles> opened = StaticFiles::Open(options_.web_root);
    if (!opened) {
      return Fail(opened.error());
    }
    static_files = std::move(*opened);
  }
  dispatcher_.emplace(options_, router_, readiness_check_, metrics_, std::move(static_files));

  const size_t loop_count = static_cast<size_t>(std::max(1, options_.io_threads));
  for (size_t i = 0; i < loop_count; ++i) {
    loops_.push_back(std::make_unique<Loop>(i));
  }

  error_code ec;
  tcp::resolver resolver(loops_[0]->io);
  const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
  if (ec || endpoints.empty()) {
    loops_.clear();
    return Fail(Error{ErrorCode::kInvalidArgument, "Failed to resolve the listen host \"" +
                                                       options_.host + "\": " + ec.message() +
                                                       ". Set a valid host name or IP address."});
  }

  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  Result<uint16_t> free_port = ProbeAddress(loops_[0]->io, endpoint);
  if (!free_port) {
    loops_.clear();
    return Fail(free_port.error());
  }
  endpoint.port(*free_port);
  for (auto& loop : loops_) {
    if (Status opened = OpenAcceptor(*loop, endpoint); !opened) {
      loops_.clear();
      return Fail(opened.error());
    }
    loop->sweep_timer.emplace(loop->io);
  }
  listen_address_ = AddressText(endpoint);
  return endpoint.port();
}

// Every io thread's acceptor sets SO_REUSEPORT, so the kernel spreads new connections over them.
// Listen probes the address first, because a second process of the same user could join too.
Status HttpServer::Impl::OpenAcceptor(Loop& loop, const tcp::endpoint& endpoint) {
  using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  error_code ec;
  tcp::acceptor& acceptor = loop.acceptor.emplace(loop.io);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor.set_option(ReusePort(true), ec);
  }
  if (!ec) {
    acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return Fail(Error{ErrorCode::kUnavailable,
                      "Failed to listen on " + AddressText(endpoint) + ": " + ec.message() +
                          ". Choose a free port or stop the process that uses it."});
  }
  return {};
}

void HttpServer::Impl::Run() {
  if (loops_.empty()) {
    spdlog::error("HttpServer::Run was called without a successful Listen");
    return;
  }

  for (auto& loop : loops_) {
    asio::co_spawn(loop->io, Accept(*loop), LogCoroutineException);
    asio::co_spawn(loop->io, Sweep(*loop), LogCoroutineException);
  }
  if (options_.handle_signals) {
    Loop& first = *loops_[0];
    first.signals.emplace(first.io, SIGINT, SIGTERM);
    first.signals->async_wait([this](const error_code& ec, int signal_number) {
      if (ec) {
        return;
      }
      spdlog::info("Received signal {}; stopping the HTTP server", signal_number);
      Stop();
    });
  }
  spdlog::info("HTTP server listening on {} with {} io threads and {} worker threads",
               listen_address_, loops_.size(), std::max(1, options_.worker_threads));

  std::vector<std::thread> threads;
  threads.reserve(loops_.size());
  for (auto& loop : loops_) {
    threads.emplace_back([this, &loop] { RunLoop(*loop); });
  }
  WaitForLoops();
  for (std::thread& thread : threads) {
    thread.join();
  }
  // NOTE: a handler that never returns blocks this join, and with it Run; handlers cannot be
  // interrupted.
  workers_.join();

  // Connections remain only when the grace period expired; their coroutines never resume, so
  // their sockets are closed here rather than when the io_context is destroyed.
  error_code ignored;
  for (auto& loop : loops_) {
    for (Connection* connection : loop->connections) {
      connection->socket.close(ignored);
    }
    loop->signals.reset();
    loop->sweep_timer.reset();
    loop->acceptor.reset();
  }
  spdlog::info("HTTP server on {} stopped", listen_address_);
}

void HttpServer::Impl::RunLoop(Loop& loop) {
  // An exception that escapes a handler ends run(); running again keeps the loop's other
  // connections served.
  for (;;) {
    try {
      loop.io.run();
      break;
    } catch (const std::exception& error) {
      spdlog::error("HTTP io thread {} caught an exception and continues: {}", loop.index,
                    error.what());
    }
  }
  {
    std::lock_guard lock(run_mutex_);
    ++loops_finished_;
  }
  run_changed_.notify_all();
}

void HttpServer::Impl::WaitForLoops() {
  std::unique_lock lock(run_mutex_);
  const auto all_finished = [this] { return loops_finished_ == loops_.size(); };
  run_changed_.wait(lock, [&] { return stop_requested_ || all_finished(); });
  if (all_finished()) {
    return;
  }

  const auto grace = std::chrono::seconds(std::max(0, options_.shutdown_grace_seconds));
  if (run_changed_.wait_for(lock, grace, all_finished)) {
    return;
  }
  spdlog::warn("HTTP server shutdown grace period of {} s expired; closing open connections",
               grace.count());
  for (auto& loop : loops_) {
    loop->io.stop();
  }
}

void HttpServer::Impl::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (options_.on_stop) {
    options_.on_stop();
  }
  if (!loops_.empty()) {
    spdlog::info("HTTP server on {} stopping; waiting up to {} s for in-flight requests",
                 listen_address_, options_.shutdown_grace_seconds);
  }
  for (auto& loop : loops_) {
    asio::post(loop->io, [this, target = loop.get()] { BeginShutdown(*target); });
  }
  websockets_.CloseAll();
  {
    std::lock_guard lock(run_mutex_);
    stop_requested_ = true;
  }
  run_changed_.notify_all();
}

void HttpServer::Impl::BeginShutdown(Loop& loop) {
  error_code ignored;
  if (loop.acceptor) {
    loop.acceptor->close(ignored);
  }
  if (loop.signals) {
    loop.signals->cancel(ignored);
  }
  for (Connection* connection : loop.connections) {
    if (connection->idle) {
      connection->socket.close(ignored);
    }
  }
  if (loop.sweep_timer) {
    loop.sweep_timer->cancel();
  }
}

// True while the open connections are below max_connections. Each io thread checks before it
// waits for a connection, so N io threads may accept up to N - 1 connections past the limit.
bool HttpServer::Impl::HasConnectionSlot() {
  return options_.max_connections <= 0 ||
         http_connections_.load(std::memory_order_relaxed) + websockets_.Size() <
             static_cast<size_t>(options_.max_connections);
}

// True for the first call after kAcceptWarningInterval, so that a flood of connections or
// failed accepts writes one log line a minute instead of one per attempt.
bool HttpServer::Impl::ShouldLogAcceptWarning() {
  const int64_t now = Clock::now().time_since_epoch().count();
  int64_t last = last_accept_warning_.load(std::memory_order_relaxed);
  const int64_t interval =
      std::chrono::duration_cast<Clock::duration>(kAcceptWarningInterval).count();
  if (last != 0 && now - last < interval) {
    return false;
  }
  return last_accept_warning_.compare_exchange_strong(last, now, std::memory_order_relaxed);
}

asio::awaitable<void> HttpServer::Impl::Accept(Loop& loop) {
  asio::steady_timer retry_timer(loop.io);
  error_code ec;
  while (loop.acceptor->is_open()) {
    if (!HasConnectionSlot()) {
      if (ShouldLogAcceptWarning()) {
        spdlog::warn(
            "Reached server.max_connections ({} open connections); new connections on {} wait "
            "until some close",
            options_.max_connections, listen_address_);
      }
      retry_timer.expires_after(kAcceptRetryDelay);
      co_await retry_timer.async_wait(asio::redirect_error(kAwaitable, ec));
      continue;
    }
    tcp::socket socket = co_await loop.acceptor->async_accept(asio::redirect_error(kAwaitable, ec));
    if (ec == asio::error::operation_aborted || !loop.acceptor->is_open()) {
      co_return;
    }
    if (ec) {
      // Typically EMFILE: back off instead of spinning on the same error.
      if (ShouldLogAcceptWarning()) {
        spdlog::warn("Accepting a connection on {} failed: {}", listen_address_, ec.message());
      }
      retry_timer.expires_after(kAcceptRetryDelay);
      co_await retry_timer.async_wait(asio::redirect_error(kAwaitable, ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    // Counted here rather than in Serve, which starts only after this loop checks again.
    // Serve's frame subtracts it when the connection ends.
    http_connections_.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(loop.io, Serve(loop, std::move(socket)), LogCoroutineException);
  }
}

asio::awaitable<void> HttpServer::Impl::Sweep(Loop& loop) {
  for (;;) {
    if (stopping_.load(std::memory_order_relaxed) && loop.connections.empty()) {
      co_return;
    }
    loop.sweep_timer->expires_after(kSweepInterval);
    error_code ec;
    co_await loop.sweep_timer->async_wait(asio::redirect_error(kAwaitable, ec));
    const Clock::time_point now = Clock::now();
    for (Connection* connection : loop.connections) {
      if (connection->deadline <= now) {
        connection->deadline = Clock::time_point::max();
        connection->socket.close(ec);
      }
    }
    if (loop.index == 0) {
      CheckIdle(now);
    }
  }
}

// Calls options_.on_idle once per quiet spell: after requests came and then none began for
// options_.idle_seconds. Runs on the first loop's thread.
void HttpServer::Impl::CheckIdle(Clock::time_point now) {
  if (!options_.on_idle || stopping_.load(std::memory_order_relaxed)) {
    return;
  }
  const uint64_t started = requests_started_.load(std::memory_order_relaxed);
  if (started != requests_seen_) {
    requests_seen_ = started;
    last_request_seen_ = now;
    idle_callback_due_ = true;
    return;
  }
  if (idle_callback_due_ &&
      now - last_request_seen_ >= std::chrono::seconds(options_.idle_seconds)) {
    idle_callback_due_ = false;
    asio::post(workers_, options_.on_idle);
  }
}

asio::awaitable<void> HttpServer::Impl::Serve(Loop& loop, tcp::socket socket) {
  Connection connection(loop, std::move(socket));
  loop.connections.push_front(&connection);
  // Unregisters on every exit, including destruction of the frame by a stopped io_context.
  struct Unregister {
    Impl& server;
    Loop& loop;
    std::list<Connection*>::iterator position;
    ~Unregister() {
      loop.connections.erase(position);
      server.http_connections_.fetch_sub(1, std::memory_order_relaxed);
      if (server.stopping_.load(std::memory_order_relaxed) && loop.connections.empty() &&
          loop.sweep_timer) {
        loop.sweep_timer->cancel();
      }
    }
  } unregister{*this, loop, loop.connections.begin()};

  try {
    error_code ec;
    const tcp::endpoint peer = connection.socket.remote_endpoint(ec);
    connection.request.remote_address = ec ? std::string("unknown") : peer.address().to_string();
    while (co_await ServeOne(connection)) {
      if (connection.buffer.size() == 0 && connection.buffer.capacity() > kRetainedBufferBytes) {
        connection.buffer.shrink_to_fit();
      }
    }
  } catch (const std::exception& error) {
    spdlog::error("HTTP connection failed with an exception: {}", error.what());
  }
  error_code ignored;
  connection.socket.shutdown(tcp::socket::shutdown_both, ignored);
  connection.socket.close(ignored);
}

// Serves one request; returns whether the connection stays open for another.
asio::awaitable<bool> HttpServer::Impl::ServeOne(Connection& connection) {
  if (!co_await WaitForRequest(connection)) {
    co_return false;
  }

  const Clock::time_point started = Clock::now();
  connection.deadline = started + RequestTimeout();
  InFlightGuard in_flight(metrics_, connection.loop.index);
  requests_started_.fetch_add(1, std::memory_order_relaxed);
  Request& request = connection.request;
  ResetRequest(request);
  RequestParser parser(request);
  if (const error_code ec = co_await ReadMessage(connection, parser, ReadPhase::kHeader); ec) {
    if (IsParseError(ec)) {
      co_await RejectMalformed(connection, ec, 0, started);
    }
    co_return false;
  }

  // The route is chosen before the body is read, because upload routes stream their body.
  Dispatch dispatch = Decide(request, parser.AnnouncesBody());
  if (dispatch.kind == Dispatch::Kind::kHandle && dispatch.route->websocket &&
      IsWebSocketUpgrade(request)) {
    co_return co_await Upgrade(connection, dispatch, started);
  }
  // Like the co_await in Handle, these stay out of a conditional expression.
  bool received = false;
  if (IsUploadRoute(dispatch)) {
    received = co_await ReceiveUpload(connection, parser, dispatch, started);
  } else {
    received = co_await ReceiveBody(connection, parser, started);
  }
  if (!received) {
    co_return false;
  }
  co_await Execute(connection, dispatch);
  co_return co_await Reply(connection, dispatch, parser.keep_alive(), started);
}

// Waits, under the idle timeout, until the next request's first bytes are buffered. Returns
// false when the connection closed (by the client, the idle timeout or Stop) first.
asio::awaitable<bool> HttpServer::Impl::WaitForRequest(Connection& connection) {
  if (connection.buffer.size() > 0) {
    co_return true;
  }
  if (stopping_.load(std::memory_order_relaxed)) {
    co_return false;
  }
  connection.idle = true;
  connection.deadline = Clock::now() + std::chrono::seconds(options_.idle_timeout_seconds);
  error_code ec;
  const size_t received = co_await connection.socket.async_read_some(
      connection.buffer.prepare(kReadChunkBytes), asio::redirect_error(kAwaitable, ec));
  connection.idle = false;
  if (ec) {
    co_return false;
  }
  connection.buffer.commit(received);
  co_return true;
}

// Reads a body into request.body under the server's body limit. Returns false when the
// connection must close.
asio::awaitable<bool> HttpServer::Impl::ReceiveBody(Connection& connection, RequestParser& parser,
                                                    Clock::time_point started) {
  const uint64_t limit = static_cast<uint64_t>(std::max<int64_t>(0, options_.max_body_bytes));
  parser.ReceiveBodyInto(limit, nullptr);
  error_code ec = http::error::body_limit;
  if (!parser.AnnouncesTooLargeBody()) {
    ec = co_await ReadBody(connection, parser, ReadPhase::kBody);
  }
  if (ec && IsParseError(ec)) {
    co_await RejectMalformed(connection, ec, limit, started);
  }
  co_return !ec;
}

// Streams the body of an upload route into its blob store and, once it is complete, fills
// request.form and request.files. A body that is rejected (415, 400, 413, a storage failure)
// gets its error response at once, without reading the rest, and the connection closes. In
// every case that returns false, the blobs written so far are deleted.
asio::awaitable<bool> HttpServer::Impl::ReceiveUpload(Connection& connection, RequestParser& parser,
                                                      Dispatch& dispatch,
                                                      Clock::time_point started) {
  const Route& route = *dispatch.route;
  Request& request = connection.request;
  const auto max_body_bytes = static_cast<uint64_t>(UploadBody::MaxBodyBytes(route.upload_limits));
  if (route.upload_check) {
    std::optional<Response> rejected = route.upload_check(request);
    if (rejected) {
      // A chunked body has no announced size, so the route's limit bounds it, plus the framing.
      const uint64_t announced = parser.content_length().value_or(max_body_bytes);
      const Linger drain{std::min(announced, max_body_bytes) + kMaxLingerBytes,
                         kRejectedUploadDrainTimeout, kUploadReadBytes};
      co_await RejectAndClose(connection, *rejected, route.pattern, started, drain);
      co_return false;
    }
  }
  Result<std::unique_ptr<UploadBody>> upload =
      UploadBody::Start(*route.upload_store, route.upload_limits, request.Header("content-type"));
  if (!upload) {
    co_await RejectAndClose(connection, Response::FromError(upload.error()), route.pattern,
                            started);
    co_return false;
  }
  const Error too_large = UploadBody::BodyTooLarge(route.upload_limits);
  parser.ReceiveBodyInto(max_body_bytes, upload->get());
  if (parser.AnnouncesTooLargeBody()) {
    co_await RejectAndClose(connection, Response::FromError(too_large), route.pattern, started);
    co_return false;
  }

  const error_code ec = co_await ReadBody(connection, parser, ReadPhase::kUploadBody);
  if (ec) {
    (*upload)->Discard();
    if ((*upload)->error()) {
      co_await RejectAndClose(connection, Response::FromError(*(*upload)->error()), route.pattern,
                              started);
    } else if (ec == http::error::body_limit) {
      co_await RejectAndClose(connection, Response::FromError(too_large), route.pattern, started);
    } else if (IsParseError(ec) && ec != http::error::partial_message) {
      co_await RejectMalformed(connection, ec, 0, started);
    } else {
      logging::ScopedRequestId scoped_id(request.request_id);
      spdlog::info("Upload to {} from {} ended after {} body bytes: {}; its files were deleted",
                   route.pattern, request.remote_address, parser.body_bytes(), ec.message());
    }
    co_return false;
  }

  if (Status finished = (*upload)->Finish(request); !finished) {
    dispatch.kind = Dispatch::Kind::kRespond;
    dispatch.response = Response::FromError(finished.error());
  }
  co_return true;
}

// Sends "100 Continue" when the client waits for it, then reads the rest of the body.
asio::awaitable<error_code> HttpServer::Impl::ReadBody(Connection& connection,
                                                       RequestParser& parser, ReadPhase phase) {
  if (parser.is_done()) {
    co_return error_code{};
  }
  if (ExpectsContinue(connection.request) && connection.buffer.size() == 0) {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    error_code ec;
    co_await asio::async_write(connection.socket, asio::buffer(kContinue),
                               asio::redirect_error(kAwaitable, ec));
    if (ec) {
      co_return ec;
    }
  }
  co_return co_await ReadMessage(connection, parser, phase);
}

Dispatch HttpServer::Impl::Decide(Request& request, bool has_body) const {
  request.request_id = RequestIdFor(request.Header("x-request-id"));
  if (Status target = ParseTarget(request); !target) {
    Dispatch dispatch;
    dispatch.response = Response::FromError(target.error());
    return dispatch;
  }
  return dispatcher_->Resolve(request, has_body);
}

// Produces the response of a dispatch that needs work: runs the handler, or opens the static
// file.
asio::awaitable<void> HttpServer::Impl::Execute(Connection& connection, Dispatch& dispatch) {
  if (dispatch.kind == Dispatch::Kind::kServeFile) {
    Result<std::unique_ptr<storage::BlobReader>> reader =
        StaticFiles::OpenReader(dispatch.file, dispatch.file_range);
    if (!reader) {
      dispatch.kind = Dispatch::Kind::kRespond;
      dispatch.response = Response::FromError(Error::NotFound("No file is served at this path."));
      co_return;
    }
    dispatch.response.body_reader = std::move(*reader);
    co_return;
  }
  if (dispatch.kind != Dispatch::Kind::kHandle) {
    co_return;
  }

  co_await Handle(connection, dispatch);
  if (dispatch.route->upload_store != nullptr && dispatch.response.status >= 400) {
    // NOTE: deleting blobs blocks the io thread on the file system, like the upload itself.
    DeleteUploadedFiles(*dispatch.route, connection.request);
  }
}

asio::awaitable<void> HttpServer::Impl::Handle(Connection& connection, Dispatch& dispatch) {
  connection.deadline = Clock::time_point::max();  // handlers are not timed out
  // With g++ 12.2, co_await inside a conditional expression here freed the response twice,
  // so this stays an if statement.
  const Route& route = *dispatch.route;
  if (route.execution == Execution::kWorker) {
    dispatch.response = co_await RunOnWorker(route, connection.request);
  } else {
    dispatch.response = dispatcher_->Invoke(route, connection.request);
  }
}

asio::awaitable<error_code> HttpServer::Impl::ReadMessage(Connection& connection,
                                                          RequestParser& parser, ReadPhase phase) {
  beast::flat_buffer& buffer = connection.buffer;
  const bool header_only = phase == ReadPhase::kHeader;
  const size_t read_bytes = phase == ReadPhase::kUploadBody ? kUploadReadBytes : kReadChunkBytes;
  const auto finished = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  for (;;) {
    if (buffer.size() > 0) {
      error_code ec;
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) {
        co_return ec;
      }
      if (finished()) {
        co_return error_code{};
      }
      if (!ec && used > 0) {
        continue;
      }
    } else if (finished()) {
      co_return error_code{};
    }

    error_code ec;
    const size_t received = co_await connection.socket.async_read_some(
        buffer.prepare(read_bytes), asio::redirect_error(kAwaitable, ec));
    if (ec == asio::error::eof) {
      if (!parser.got_some()) {
        co_return http::error::end_of_stream;
      }
      parser.put_eof(ec);
      if (ec) {
        co_return ec;
      }
      co_return finished() ? error_code{} : error_code(http::error::partial_message);
    }
    if (ec) {
      co_return ec;
    }
    buffer.commit(received);
    // An upload may take long; it times out only when no bytes arrive for a whole timeout.
    if (phase == ReadPhase::kUploadBody) {
      connection.deadline = Clock::now() + RequestTimeout();
    }
  }
}

asio::awaitable<void> HttpServer::Impl::RejectMalformed(Connection& connection,
                                                        const error_code& ec, uint64_t body_limit,
                                                        Clock::time_point started) {
  Request& request = connection.request;
  spdlog::debug("Rejecting a request from {}: {}", request.remote_address, ec.message());
  co_await RejectAndClose(connection, ParseErrorResponse(ec, body_limit), kUnmatchedLabel, started);
}

// Sends an error response with "Connection: close", then closes the connection without reading
// the rest of the request (beyond the lingering close).
asio::awaitable<void> HttpServer::Impl::RejectAndClose(Connection& connection,
                                                       const Response& response,
                                                       std::string_view label,
                                                       Clock::time_point started, Linger linger) {
  Request& request = connection.request;
  if (request.request_id.empty()) {
    request.request_id = RequestIdFor(request.Header("x-request-id"));
  }
  uint64_t body_bytes = 0;
  const bool sent = co_await SendResponse(connection, response, true, false, body_bytes);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  dispatcher_->RecordAccess(connection.loop.index, request, label, response.status, seconds,
                            body_bytes);
  if (sent) {
    co_await LingeringClose(connection, linger);
  }
}

asio::awaitable<Response> HttpServer::Impl::RunOnWorker(const Route& route,
                                                        const Request& request) {
  co_return co_await asio::async_initiate<decltype(kAwaitable), void(Response)>(
      [this, &route, &request](auto handler) {
        // The tracked executor keeps the connection's io_context running until the result is
        // back, because a suspended coroutine alone does not count as outstanding work.
        auto executor = asio::prefer(asio::get_associated_executor(handler),
                                     asio::execution::outstanding_work.tracked);
        asio::post(workers_, [this, &route, &request, handler = std::move(handler),
                              executor = std::move(executor)]() mutable {
          Response response = dispatcher_->Invoke(route, request);
          asio::post(executor,
                     [handler = std::move(handler), response = std::move(response)]() mutable {
                       std::move(handler)(std::move(response));
                     });
        });
      },
      kAwaitable);
}

// Hands the connection to a WebSocket route, or sends its error response. Returns false, so
// the HTTP connection ends either way.
asio::awaitable<bool> HttpServer::Impl::Upgrade(Connection& connection, Dispatch& dispatch,
                                                Clock::time_point started) {
  Request& request = connection.request;
  Status upgraded = [&]() -> Status {
    logging::ScopedRequestId scoped_id(request.request_id);
    if (!dispatcher_->AllowsWebSocketOrigin(request)) {
      return Fail(
          Error::PermissionDenied("WebSocket connections from this origin are not allowed."));
    }
    return StartWebSocket(connection.loop.io, connection.socket, request, *dispatch.route,
                          websockets_);
  }();
  if (!upgraded) {
    dispatch.kind = Dispatch::Kind::kRespond;
    dispatch.response = Response::FromError(upgraded.error());
    co_await Reply(connection, dispatch, false, started);
    co_return false;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  dispatcher_->RecordAccess(connection.loop.index, request, dispatch.label, 101, seconds, 0);
  co_return false;
}

// Sends the response of a dispatch and records the request. Returns whether the connection
// stays open for another request.
asio::awaitable<bool> HttpServer::Impl::Reply(Connection& connection, const Dispatch& dispatch,
                                              bool client_keep_alive, Clock::time_point started) {
  connection.deadline = Clock::now() + RequestTimeout();
  const bool keep_alive = client_keep_alive && !stopping_.load(std::memory_order_relaxed);
  uint64_t body_bytes = 0;
  const bool sent = co_await SendResponse(connection, dispatch.response, dispatch.no_store,
                                          keep_alive, body_bytes);

  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  dispatcher_->RecordAccess(connection.loop.index, connection.request, dispatch.label,
                            dispatch.response.status, seconds, body_bytes);
  co_return sent&& keep_alive;
}

asio::awaitable<bool> HttpServer::Impl::SendResponse(Connection& connection,
                                                     const Response& response, bool no_store,
                                                     bool keep_alive, uint64_t& body_bytes) {
  if (response.body_reader) {
    co_return co_await SendStream(connection, response, no_store, keep_alive, body_bytes);
  }
  if (response.stream) {
    co_return co_await SendChunked(connection, response, no_store, keep_alive, body_bytes);
  }
  const Request& request = connection.request;
  std::string& head = connection.head;
  head.clear();
  dispatcher_->AppendHead(request, response, no_store, keep_alive, response.body.size(), head);
  const bool send_body = SendsBody(request, response.status);
  const std::array<asio::const_buffer, 2> buffers = {
      asio::buffer(head), send_body ? asio::buffer(response.body) : asio::const_buffer()};

  error_code ec;
  co_await asio::async_write(connection.socket, buffers, asio::redirect_error(kAwaitable, ec));
  if (ec) {
    co_return false;
  }
  body_bytes = send_body ? response.body.size() : 0;
  co_return true;
}

// Sends the bytes of response.body_reader as the body, one chunk at a time, so memory does not
// grow with the body's size. The first chunk goes out with the header. The request timeout
// restarts before every chunk, so a large body times out only when the client stops reading.
// Returns false when the connection must close, including when the reader fails or ends early,
// because the Content-Length has already been sent.
asio::awaitable<bool> HttpServer::Impl::SendStream(Connection& connection, const Response& response,
                                                   bool no_store, bool keep_alive,
                                                   uint64_t& body_bytes) {
  const Request& request = connection.request;
  storage::BlobReader& reader = *response.body_reader;
  const uint64_t length = static_cast<uint64_t>(std::max<int64_t>(0, reader.length()));
  std::string& head = connection.head;
  head.clear();
  dispatcher_->AppendHead(request, response, no_store, keep_alive, length, head);
  const uint64_t body_length = SendsBody(request, response.status) ? length : 0;
  const size_t chunk_capacity =
      static_cast<size_t>(std::min<uint64_t>(kStreamChunkBytes, body_length));
  std::unique_ptr<char[]> chunk(new char[chunk_capacity]);

  asio::const_buffer pending = asio::buffer(head);
  for (;;) {
    size_t count = 0;
    if (body_bytes < body_length) {
      // NOTE: Read blocks the io thread on the blob store's I/O (a disk read for local blobs,
      // usually from the page cache), which stalls the other connections of this thread.
      const size_t wanted =
          static_cast<size_t>(std::min<uint64_t>(chunk_capacity, body_length - body_bytes));
      const Result<size_t> read = reader.Read(chunk.get(), wanted);
      if (!read || *read == 0) {
        logging::ScopedRequestId scoped_id(request.request_id);
        spdlog::error("Reading the body of {} {} failed after {} of {} bytes: {}", request.method,
                      request.path, body_bytes, body_length,
                      read ? "the reader ended early" : read.error().internal);
        co_return false;
      }
      count = *read;
    }
    const std::array<asio::const_buffer, 2> buffers = {pending, asio::buffer(chunk.get(), count)};
    connection.deadline = Clock::now() + RequestTimeout();
    error_code ec;
    co_await asio::async_write(connection.socket, buffers, asio::redirect_error(kAwaitable, ec));
    if (ec) {
      co_return false;
    }
    body_bytes += count;
    pending = asio::const_buffer();
    if (body_bytes >= body_length) {
      co_return true;
    }
  }
}

// Sends the bytes that a producer thread writes to response.stream, one chunk per batch, until
// the producer closes the stream. While no bytes are queued the connection is not timed out
// (the producer has its own limits) but is checked once a second, so a connection closed by Stop
// cancels the stream. A failed write cancels it too, which makes the producer's next Write
// return false. Returns false when the connection must close.
asio::awaitable<bool> HttpServer::Impl::SendChunked(Connection& connection,
                                                    const Response& response, bool no_store,
                                                    bool keep_alive, uint64_t& body_bytes) {
  const Request& request = connection.request;
  ResponseStream& stream = *response.stream;
  auto wake = std::make_shared<asio::steady_timer>(connection.socket.get_executor());
  stream.SetNotifier([executor = connection.socket.get_executor(),
                      weak = std::weak_ptr<asio::steady_timer>(wake)] {
    asio::post(executor, [weak] {
      if (std::shared_ptr<asio::steady_timer> timer = weak.lock()) {
        timer->cancel();
      }
    });
  });
  std::string& head = connection.head;
  head.clear();
  dispatcher_->AppendHead(request, response, no_store, keep_alive, 0, head, true);
  const bool send_body = SendsBody(request, response.status);

  std::string pending = head;
  std::string data;
  for (;;) {
    bool closed = false;
    stream.Take(data, closed);
    if (!send_body) {
      data.clear();
      closed = true;
    }
    if (!data.empty()) {
      char size[20];
      const int length = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
      pending.append(size, static_cast<size_t>(length));
      pending += data;
      pending += "\r\n";
      body_bytes += data.size();
    }
    if (closed && send_body) {
      pending += "0\r\n\r\n";
    }
    if (!pending.empty()) {
      connection.deadline = Clock::now() + RequestTimeout();
      error_code ec;
      co_await asio::async_write(connection.socket, asio::buffer(pending),
                                 asio::redirect_error(kAwaitable, ec));
      pending.clear();
      if (ec) {
        stream.Cancel();
        co_return false;
      }
    }
    if (closed) {
      if (!send_body) {
        stream.Cancel();
      }
      stream.SetNotifier(nullptr);
      co_return true;
    }
    if (data.empty()) {
      connection.deadline = Clock::time_point::max();
      wake->expires_after(std::chrono::seconds(1));
      error_code ec;
      co_await wake->async_wait(asio::redirect_error(kAwaitable, ec));
      if (!connection.socket.is_open()) {
        stream.Cancel();
        stream.SetNotifier(nullptr);
        co_return false;
      }
    }
  }
}

// Sends FIN, then reads and discards what the client still sends, until it closes or a limit of
// `linger` is reached. Closing a socket with unread data would send a reset, which can make the
// client drop the response before it reads it.
asio::awaitable<void> HttpServer::Impl::LingeringClose(Connection& connection, Linger linger) {
  error_code ec;
  connection.socket.shutdown(tcp::socket::shutdown_send, ec);
  const Clock::time_point end = Clock::now() + linger.max_time;
  connection.deadline = std::min(end, Clock::now() + kLingerTimeout);
  uint64_t discarded = 0;
  while (!ec && discarded < linger.max_bytes) {
    // The discarded bytes go to the connection's buffer, past its content, without a commit.
    const size_t space =
        static_cast<size_t>(std::min<uint64_t>(linger.read_bytes, linger.max_bytes - discarded));
    discarded += co_await connection.socket.async_read_some(connection.buffer.prepare(space),
                                                            asio::redirect_error(kAwaitable, ec));
    connection.deadline = std::min(end, Clock::now() + kLingerTimeout);
  }
}

HttpServer::HttpServer(ServerOptions options, const Router& router,
                       std::function<Status()> readiness_check)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(readiness_check))) {}

HttpServer::~HttpServer() = default;

Result<uint16_t> HttpServer::Listen() { return impl_->Listen(); }

void HttpServer::Run() { impl_->Run(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace openlabs::gateway
