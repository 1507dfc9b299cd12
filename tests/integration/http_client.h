#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openlabs::integration {

struct HttpResponse {
  long status = 0;  // 0 when no response arrived, and `transport_error` gives the reason
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string transport_error;

  // The value of the first header named `name` (any case), or an empty string.
  std::string Header(std::string_view name) const;
  // The body parsed as JSON, or a discarded value when it is not JSON.
  nlohmann::json Json() const;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // with the query string, e.g. "/api/v1/leaderboard?limit=5"
  std::string body;
  std::string content_type = "application/json";  // sent only with a body
  std::string bearer_token;                       // sent as "Authorization: Bearer ..."
  std::vector<std::string> extra_headers;         // "Name: value" lines
};

// An HTTP/1.1 client of one server, built on libcurl. It keeps its connection alive between
// requests. Not thread-safe: give every thread its own client.
class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Send(const HttpRequest& request);
  HttpResponse Get(const std::string& path, const std::string& bearer_token = "");
  HttpResponse Post(const std::string& path, const nlohmann::json& body,
                    const std::string& bearer_token = "");
  // A POST without a body, for the calls that only need the caller's token.
  HttpResponse PostEmpty(const std::string& path, const std::string& bearer_token);

 private:
  std::string base_url_;
  void* curl_;  // CURL*, kept out of this header
};

// Writes `bytes` to a new TCP connection to 127.0.0.1:`port`, optionally shuts down the
// sending side, and returns everything the server sends until it closes the connection or
// `timeout` passes. For requests that libcurl cannot produce: malformed or truncated ones.
std::string SendRaw(uint16_t port, std::string_view bytes, bool shutdown_write,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status code of the first raw HTTP response in `raw`, or 0 when there is none.
int RawStatus(std::string_view raw);

}  // namespace openlabs::integration
