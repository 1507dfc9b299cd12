#include "gateway/response_head.h"

#include <spdlog/spdlog.h>
#include <strings.h>
#include <time.h>

#include <array>
#include <charconv>

namespace openlabs::gateway {
namespace {

struct FixedHeader {
  std::string_view name;
  std::string_view value;
};

// The Content-Security-Policy suits the single-page app: scripts, styles, fonts and workers only
// from this origin, inline styles (KaTeX sets them), data: and blob: images and workers (pdf.js),
// no plugins and no framing.
constexpr std::array<FixedHeader, 5> kSecurityHeaders = {{
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
     "font-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
     "form-action 'self'; frame-ancestors 'none'"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
}};

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsValidHeader(std::string_view name, std::string_view value) {
  if (name.empty()) {
    return false;
  }
  for (const char c : name) {
    if (!IsTokenChar(c)) {
      return false;
    }
  }
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool HasHeader(const Response& response, std::string_view name) {
  for (const auto& [header_name, value] : response.headers) {
    if (header_name.size() == name.size() &&
        strncasecmp(header_name.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

void AppendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

// Formatting the Date header costs a gmtime_r and strftime, so each thread reuses its text
// until the second changes.
std::string_view CurrentHttpDate() {
  thread_local time_t cached_second = 0;
  thread_local std::array<char, 40> cached_text{};
  thread_local size_t cached_length = 0;

  const time_t now = time(nullptr);
  if (now != cached_second) {
    tm utc{};
    gmtime_r(&now, &utc);
    cached_length =
        strftime(cached_text.data(), cached_text.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    cached_second = now;
  }
  return std::string_view(cached_text.data(), cached_length);
}

bool StatusAllowsBody(int status) { return status >= 200 && status != 204 && status != 304; }

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

void AppendResponseHead(const Response& response, const HeadOptions& options, std::string& out) {
  const int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  char number[24];
  out += "HTTP/1.1 ";
  out.append(number, std::to_chars(number, number + sizeof(number), status).ptr);
  out += ' ';
  out += ReasonPhrase(status);
  out += "\r\n";

  for (const auto& [name, value] : response.headers) {
    if (!IsValidHeader(name, value)) {
      spdlog::error("Dropped response header {:?} because its name or value is not valid HTTP",
                    name);
      continue;
    }
    AppendHeader(out, name, value);
  }
  AppendHeader(out, "Date", CurrentHttpDate());
  if (StatusAllowsBody(status)) {
    if (!response.content_type.empty() && IsValidHeader("Content-Type", response.content_type)) {
      AppendHeader(out, "Content-Type", response.content_type);
    }
    if (options.chunked) {
      AppendHeader(out, "Transfer-Encoding", "chunked");
    } else {
      AppendHeader(
          out, "Content-Length",
          std::string_view(
              number, std::to_chars(number, number + sizeof(number), options.content_length).ptr));
    }
  }
  if (!options.keep_alive) {
    AppendHeader(out, "Connection", "close");
  }
  if (!options.request_id.empty()) {
    AppendHeader(out, "X-Request-Id", options.request_id);
  }
  if (!options.cors_origin.empty()) {
    AppendHeader(out, "Access-Control-Allow-Origin", options.cors_origin);
    AppendHeader(out, "Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
    AppendHeader(out, "Vary", "Origin");
  }
  if (options.no_store && !HasHeader(response, "Cache-Control")) {
    AppendHeader(out, "Cache-Control", "no-store");
  }
  for (const FixedHeader& header : kSecurityHeaders) {
    if (!HasHeader(response, header.name)) {
      AppendHeader(out, header.name, header.value);
    }
  }
  out += "\r\n";
}

}  // namespace openlabs::gateway
