// A blocking HTTP/1.1 test client for the gateway's server tests, on plain sockets.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openlabs::gateway::test_support {

using namespace std::chrono_literals;

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  std::string Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) {
        return value;
      }
    }
    return "";
  }
  bool HasHeader(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) {
        return true;
      }
    }
    return false;
  }
  nlohmann::json Json() const { return nlohmann::json::parse(body); }
};

// A blocking HTTP/1.1 client on one TCP connection, enough to test the server byte by byte.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("connect to 127.0.0.1 failed");
    }
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Returns false when the server has closed or reset the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) {
        return false;
      }
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }

  // Reads one response; nullopt when the connection ends first or nothing arrives in time.
  std::optional<HttpReply> Read(bool head_request = false,
                                std::chrono::milliseconds timeout = 5000ms) {
    std::optional<HttpReply> reply = ReadHead(timeout);
    if (!reply) {
      return std::nullopt;
    }
    size_t length = 0;
    if (!head_request && reply->HasHeader("content-length")) {
      length = std::stoul(reply->Header("content-length"));
    }
    while (buffer_.size() < length) {
      if (!Fill(timeout)) {
        return std::nullopt;
      }
    }
    reply->body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  // Reads the status line and headers of one response and leaves its body unread.
  std::optional<HttpReply> ReadHead(std::chrono::milliseconds timeout = 5000ms) {
    size_t header_end = 0;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(timeout)) {
        return std::nullopt;
      }
    }
    HttpReply reply;
    std::string_view head(buffer_.data(), header_end);
    const size_t line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    if (status_line.substr(0, 9) != "HTTP/1.1 ") {
      return std::nullopt;
    }
    reply.status = std::stoi(std::string(status_line.substr(9, 3)));
    ParseHeaders(line_end == std::string_view::npos ? "" : head.substr(line_end + 2), reply);
    buffer_.erase(0, header_end + 4);
    return reply;
  }

  // Passes the next `length` bytes of the connection to `consume` in pieces, without keeping
  // them. Returns false when the connection ends first or stalls for `timeout`.
  bool ReadBody(uint64_t length, const std::function<void(std::string_view)>& consume,
                std::chrono::milliseconds timeout = 5000ms) {
    uint64_t remaining = length;
    for (;;) {
      const size_t available = static_cast<size_t>(std::min<uint64_t>(remaining, buffer_.size()));
      if (available > 0) {
        consume(std::string_view(buffer_.data(), available));
        buffer_.erase(0, available);
        remaining -= available;
      }
      if (remaining == 0) {
        return true;
      }
      if (!Fill(timeout)) {
        return false;
      }
    }
  }

  // Sends `length` bytes that `fill` produces (it writes `size` bytes of the stream starting at
  // `offset` to `data`) in chunks of `chunk_bytes`. Stops early when the server sends
  // something first, such as an error response, or closes. Returns the number of bytes sent.
  uint64_t SendGenerated(uint64_t length,
                         const std::function<void(uint64_t offset, char* data, size_t size)>& fill,
                         size_t chunk_bytes = 1 << 20) {
    std::vector<char> chunk(chunk_bytes);
    uint64_t sent = 0;
    while (sent < length) {
      if (HasInput()) {
        return sent;
      }
      const size_t size = static_cast<size_t>(std::min<uint64_t>(chunk_bytes, length - sent));
      fill(sent, chunk.data(), size);
      if (!Send(std::string_view(chunk.data(), size))) {
        return sent;
      }
      sent += size;
    }
    return sent;
  }

  // True when the server has sent bytes (or closed) that are not read yet.
  bool HasInput() {
    if (!buffer_.empty()) {
      return true;
    }
    pollfd poller{fd_, POLLIN, 0};
    return poll(&poller, 1, 0) > 0;
  }

  // True when the server closes the connection within `timeout` (end of stream or reset).
  bool WaitForClose(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd poller{fd_, POLLIN, 0};
      if (poll(&poller, 1, 50) <= 0) {
        continue;
      }
      char chunk[4096];
      const ssize_t received = recv(fd_, chunk, sizeof(chunk), 0);
      if (received <= 0) {
        return true;
      }
      buffer_.append(chunk, static_cast<size_t>(received));
    }
    return false;
  }

  const std::string& pending() const { return buffer_; }

 private:
  bool Fill(std::chrono::milliseconds timeout) {
    pollfd poller{fd_, POLLIN, 0};
    if (poll(&poller, 1, static_cast<int>(timeout.count())) <= 0) {
      return false;
    }
    receive_chunk_.resize(256 * 1024);
    const ssize_t received = recv(fd_, receive_chunk_.data(), receive_chunk_.size(), 0);
    if (received <= 0) {
      return false;
    }
    buffer_.append(receive_chunk_.data(), static_cast<size_t>(received));
    return true;
  }

  static void ParseHeaders(std::string_view block, HttpReply& reply) {
    while (!block.empty()) {
      const size_t end = block.find("\r\n");
      const std::string_view line = block.substr(0, end);
      const size_t colon = line.find(':');
      std::string name(line.substr(0, colon));
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      reply.headers.emplace_back(std::move(name), std::string(value));
      if (end == std::string_view::npos) {
        break;
      }
      block.remove_prefix(end + 2);
    }
  }

  int fd_ = -1;
  std::string buffer_;
  std::vector<char> receive_chunk_;
};

inline std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n" +
         std::string(extra_headers) + "\r\n";
}

inline std::string Post(std::string_view path, std::string_view content_type, std::string_view body,
                        std::string_view extra_headers = "") {
  std::string request = "POST " + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!content_type.empty()) {
    request += "Content-Type: " + std::string(content_type) + "\r\n";
  }
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += std::string(extra_headers) + "\r\n" + std::string(body);
  return request;
}

}  // namespace openlabs::gateway::test_support
