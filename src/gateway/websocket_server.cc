// clang-format off
#include <utility>
// clang-format on

#include "gateway/websocket_server.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <optional>

namespace openlabs::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// True when the comma-separated header value contains `token`, ignoring case.
bool HeaderHasToken(std::string_view value, std::string_view token) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) {
      end = value.size();
    }
    std::string_view item = value.substr(start, end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (item.size() == token.size() && strncasecmp(item.data(), token.data(), token.size()) == 0) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

// A token bucket: `rate` messages per second with bursts of twice as many.
class MessageRate {
 public:
  explicit MessageRate(int rate) : rate_(std::max(1, rate)), tokens_(2.0 * rate_) {}

  bool Allow() {
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(2.0 * rate_, tokens_ + elapsed * rate_);
    if (tokens_ < 1) {
      return false;
    }
    tokens_ -= 1;
    return true;
  }

 private:
  int rate_;
  double tokens_;
  Clock::time_point last_ = Clock::now();
};

}  // namespace

// One upgraded connection. Everything that touches the Beast stream runs on the io thread of
// the connection; Send and Close post there.
class BeastWebSocket final : public WebSocketConnection,
                             public std::enable_shared_from_this<BeastWebSocket> {
 public:
  BeastWebSocket(asio::io_context& io, WebSocketLimits limits, WebSocketRegistry& registry)
      : io_(io), limits_(limits), registry_(registry) {}

  ~BeastWebSocket() override { registry_.Remove(this); }

  bool Send(std::string text) override {
    if (closed_.load()) {
      return false;
    }
    const size_t size = text.size();
    if (queued_bytes_.fetch_add(size) + size > limits_.max_queued_bytes) {
      queued_bytes_.fetch_sub(size);
      Close(1008, "the client reads its messages too slowly");
      return false;
    }
    asio::post(io_, [self = shared_from_this(), text = std::move(text)]() mutable {
      self->queue_.push_back(std::move(text));
      self->WriteNext();
    });
    return true;
  }

  void Close(uint16_t code, std::string reason) override {
    asio::post(io_, [self = shared_from_this(), code, reason = std::move(reason)] {
      self->CloseNow(code, reason);
    });
  }

  asio::awaitable<void> Run(tcp::socket socket, http::request<http::empty_body> upgrade,
                            std::shared_ptr<WebSocketHandler> handler);

 private:
  void WriteNext() {
    if (!open_ || writing_ || queue_.empty() || closing_) {
      return;
    }
    writing_ = true;
    stream_->text(true);
    stream_->async_write(asio::buffer(queue_.front()),
                         [self = shared_from_this()](const error_code& ec, size_t) {
                           self->writing_ = false;
                           self->queued_bytes_.fetch_sub(self->queue_.front().size());
                           self->queue_.pop_front();
                           if (ec) {
                             self->closed_ = true;
                             return;
                           }
                           self->WriteNext();
                         });
  }

  void CloseNow(uint16_t code, const std::string& reason) {
    if (!open_ || closing_) {
      closed_ = true;
      return;
    }
    closing_ = true;
    closed_ = true;
    stream_->async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                         [self = shared_from_this()](const error_code&) {
                           error_code ignored;
                           self->stream_->next_layer().close(ignored);
                         });
  }

  asio::io_context& io_;
  WebSocketLimits limits_;
  WebSocketRegistry& registry_;
  std::optional<websocket::stream<tcp::socket>> stream_;
  std::atomic<bool> closed_ = false;
  std::atomic<size_t> queued_bytes_ = 0;
  // Touched on the io thread only.
  bool open_ = false;
  bool closing_ = false;
  bool writing_ = false;
  bool received_ = false;
  std::deque<std::string> queue_;
};

asio::awaitable<void> BeastWebSocket::Run(tcp::socket socket,
                                          http::request<http::empty_body> upgrade,
                                          std::shared_ptr<WebSocketHandler> handler) {
  stream_.emplace(std::move(socket));
  websocket::stream<tcp::socket>& stream = *stream_;
  stream.read_message_max(limits_.max_message_bytes);
  // Pings an idle client and closes the connection when no pong arrives.
  stream.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  stream.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(http::field::server, "openlabs"); }));

  error_code ec;
  co_await stream.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    closed_ = true;
    handler->OnClose();
    co_return;
  }
  open_ = true;
  WriteNext();

  asio::steady_timer first_message(io_);
  first_message.expires_after(std::chrono::seconds(limits_.first_message_timeout_seconds));
  first_message.async_wait([weak = weak_from_this()](const error_code& wait_error) {
    auto self = weak.lock();
    if (!wait_error && self && !self->received_) {
      self->CloseNow(1008, "no message arrived in time");
    }
  });

  MessageRate rate(limits_.messages_per_second);
  beast::flat_buffer buffer;
  for (;;) {
    co_await stream.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      break;
    }
    if (!received_) {
      received_ = true;
      first_message.cancel();
    }
    if (closing_) {
      buffer.consume(buffer.size());
      continue;
    }
    if (!rate.Allow()) {
      spdlog::warn("Closing a WebSocket connection that sent more than {} messages per second",
                   limits_.messages_per_second);
      CloseNow(1008, "too many messages");
    } else if (!stream.got_text()) {
      CloseNow(1003, "only text messages are accepted");
    } else {
      const auto data = buffer.cdata();
      handler->OnMessage(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    buffer.consume(buffer.size());
  }
  if (ec == websocket::error::message_too_big) {
    spdlog::info("Closed a WebSocket connection whose message was larger than {} bytes",
                 limits_.max_message_bytes);
  }
  closed_ = true;
  first_message.cancel();
  handler->OnClose();
  error_code ignored;
  stream.next_layer().close(ignored);
}

void WebSocketRegistry::Add(const std::shared_ptr<BeastWebSocket>& connection) {
  std::lock_guard lock(mutex_);
  connections_.emplace(connection.get(), connection);
}

void WebSocketRegistry::Remove(BeastWebSocket* connection) {
  std::lock_guard lock(mutex_);
  connections_.erase(connection);
}

size_t WebSocketRegistry::Size() {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

void WebSocketRegistry::CloseAll() {
  std::vector<std::shared_ptr<BeastWebSocket>> open;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [raw, weak] : connections_) {
      if (auto connection = weak.lock()) {
        open.push_back(std::move(connection));
      }
    }
  }
  for (const auto& connection : open) {
    connection->Close(1001, "the server is stopping");
  }
}

bool IsWebSocketUpgrade(const Request& request) {
  return request.method == "GET" && HeaderHasToken(request.Header("connection"), "upgrade") &&
         HeaderHasToken(request.Header("upgrade"), "websocket");
}

Status StartWebSocket(asio::io_context& io, tcp::socket& socket, const Request& request,
                      const Route& route, WebSocketRegistry& registry) {
  auto connection = std::make_shared<BeastWebSocket>(io, route.websocket_limits, registry);
  Result<std::shared_ptr<WebSocketHandler>> handler = route.websocket(request, connection);
  if (!handler) {
    return Fail(handler.error());
  }
  registry.Add(connection);
  http::request<http::empty_body> upgrade(http::verb::get, request.target, 11);
  for (const auto& [name, value] : request.headers) {
    upgrade.insert(name, value);
  }
  asio::co_spawn(io, connection->Run(std::move(socket), std::move(upgrade), std::move(*handler)),
                 [connection](std::exception_ptr error) {
                   if (error) {
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& exception) {
                       spdlog::error("A WebSocket connection ended with an exception: {}",
                                     exception.what());
                     }
                   }
                 });
  return {};
}

}  // namespace openlabs::gateway
