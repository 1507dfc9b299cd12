#include "http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>

namespace openlabs::integration {
namespace {

constexpr long kRequestTimeoutMilliseconds = 30'000;

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// Collects header lines. A new status line, after a 100 Continue, starts the list again.
size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto& headers = *static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers.clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return size * count;
  }
  std::string name(line.substr(0, colon));
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  headers.emplace_back(std::move(name), std::string(value));
  return size * count;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (header_name.size() == name.size() &&
        strncasecmp(header_name.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return "";
}

nlohmann::json HttpResponse::Json() const { return nlohmann::json::parse(body, nullptr, false); }

HttpClient::HttpClient(std::string base_url)
    : base_url_(std::move(base_url)), curl_(curl_easy_init()) {
  if (curl_ == nullptr) {
    throw std::runtime_error("curl_easy_init failed");
  }
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::Send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  HttpResponse response;
  const std::string url = base_url_ + request.path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, kRequestTimeoutMilliseconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  }

  curl_slist* headers = nullptr;
  // Without this, libcurl waits for "100 Continue" before sending a body over 1 KiB.
  headers = curl_slist_append(headers, "Expect:");
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    headers = curl_slist_append(headers, ("Content-Type: " + request.content_type).c_str());
  }
  if (!request.bearer_token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + request.bearer_token).c_str());
  }
  for (const std::string& header : request.extra_headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    response.transport_error = curl_easy_strerror(code);
    return response;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

HttpResponse HttpClient::Get(const std::string& path, const std::string& bearer_token) {
  return Send({.method = "GET", .path = path, .bearer_token = bearer_token});
}

HttpResponse HttpClient::Post(const std::string& path, const nlohmann::json& body,
                              const std::string& bearer_token) {
  return Send({.method = "POST", .path = path, .body = body.dump(), .bearer_token = bearer_token});
}

HttpResponse HttpClient::PostEmpty(const std::string& path, const std::string& bearer_token) {
  return Send({.method = "POST", .path = path, .bearer_token = bearer_token});
}

std::string SendRaw(uint16_t port, std::string_view bytes, bool shutdown_write,
                    std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::runtime_error("socket failed");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return "";
  }

  // The server may respond and close before it has read everything, so a failed send only ends
  // the sending.
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t written = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (written <= 0) {
      break;
    }
    sent += static_cast<size_t>(written);
  }
  if (shutdown_write) {
    ::shutdown(fd, SHUT_WR);
  }

  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[16 * 1024];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    const ssize_t read = ::recv(fd, buffer, sizeof(buffer), 0);
    if (read <= 0) {
      break;
    }
    received.append(buffer, static_cast<size_t>(read));
  }
  ::close(fd);
  return received;
}

int RawStatus(std::string_view raw) {
  constexpr std::string_view kPrefix = "HTTP/1.1 ";
  if (!raw.starts_with(kPrefix) || raw.size() < kPrefix.size() + 3) {
    return 0;
  }
  int status = 0;
  const char* begin = raw.data() + kPrefix.size();
  std::from_chars(begin, begin + 3, status);
  return status;
}

}  // namespace openlabs::integration
