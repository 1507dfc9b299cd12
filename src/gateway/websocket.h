// WebSocket endpoints of the gateway, independent of Boost.Beast: a route whose `websocket`
// member is set upgrades GET requests that ask for it (RFC 6455) and hands the connection to the
// endpoint's handler. The server enforces the message size and rate limits below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"
#include "gateway/http.h"

namespace openlabs::gateway {

struct WebSocketLimits {
  // A larger message from the client closes the connection with code 1009.
  size_t max_message_bytes = 64 << 10;
  // Messages from the client per second, averaged over a burst of twice as many; beyond that
  // the connection closes with code 1008.
  int messages_per_second = 30;
  // The connection closes when the client has sent no message this long after the upgrade, so
  // that an endpoint that expects credentials in the first message is not held open without.
  int first_message_timeout_seconds = 10;
  // A client that falls this far behind in reading the server's messages is disconnected.
  size_t max_queued_bytes = 16 << 20;
};

// The server's side of one upgraded connection, given to the endpoint. Thread-safe.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  // Queues a text message. Returns false when the connection is closed, or closes it and
  // returns false when the client is more than max_queued_bytes behind.
  virtual bool Send(std::string text) = 0;
  // Sends a close frame with a code (1000 normal, 1008 policy violation, ...) and a reason.
  virtual void Close(uint16_t code, std::string reason) = 0;
};

// The endpoint's side of one connection. Both calls run on the connection's io thread, one at
// a time, and must not block.
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  virtual void OnMessage(std::string_view text) = 0;
  // Called once when the connection has closed, for whatever reason.
  virtual void OnClose() = 0;
};

// Decides on an upgrade request: the handler of the new connection, or an error that is sent as
// the HTTP response instead of the upgrade.
using WebSocketAccept = std::function<Result<std::shared_ptr<WebSocketHandler>>(
    const Request& request, std::shared_ptr<WebSocketConnection> connection)>;

}  // namespace openlabs::gateway
