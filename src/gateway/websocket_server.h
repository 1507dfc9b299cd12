// The Boost.Beast side of WebSocket routes (see websocket.h): the upgrade handshake, the read
// loop with its size, rate and first-message limits, and the write queue.
#pragma once

// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <mutex>
#include <map>

#include "gateway/http.h"
#include "gateway/router.h"
#include "gateway/websocket.h"

namespace openlabs::gateway {

class BeastWebSocket;

// The open WebSocket connections of a server, so that stopping the server closes them.
class WebSocketRegistry {
 public:
  void Add(const std::shared_ptr<BeastWebSocket>& connection);
  void Remove(BeastWebSocket* connection);
  // Sends a close frame (1001, going away) on every open connection.
  void CloseAll();
  // The number of open connections.
  size_t Size();

 private:
  std::mutex mutex_;
  std::map<BeastWebSocket*, std::weak_ptr<BeastWebSocket>> connections_;
};

// True when the request is a WebSocket upgrade request (Connection: upgrade, Upgrade: websocket).
bool IsWebSocketUpgrade(const Request& request);

// Calls the route's accept function. On success it takes over `socket`, completes the handshake
// and serves the connection on `io` until it closes. On failure it returns the error, and
// `socket` stays with the caller, which sends the error as an HTTP response.
Status StartWebSocket(boost::asio::io_context& io, boost::asio::ip::tcp::socket& socket,
                      const Request& request, const Route& route, WebSocketRegistry& registry);

}  // namespace openlabs::gateway
