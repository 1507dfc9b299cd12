#include "gateway/url.h"

#include <algorithm>

namespace openlabs::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Strips "http://host" or "https://host" from an absolute-form target, leaving "/path?query".
std::optional<std::string_view> OriginForm(std::string_view target) {
  if (!target.empty() && target.front() == '/') {
    return target;
  }
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) != scheme) {
      continue;
    }
    const std::string_view rest = target.substr(scheme.size());
    const size_t path_start = rest.find_first_of("/?");
    if (path_start == std::string_view::npos) {
      return std::string_view("/");
    }
    if (rest[path_start] == '?') {
      return std::nullopt;
    }
    return rest.substr(path_start);
  }
  return std::nullopt;
}

Status ParseQuery(std::string_view query, Request& request) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }

    const size_t equals = pair.find('=');
    auto name = PercentDecode(pair.substr(0, equals), true);
    auto value = PercentDecode(
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
    if (!name || !value) {
      return Fail(Error::InvalidArgument("The query string has a malformed percent escape."));
    }
    // `query` keeps the first value; the dispatcher rejects API requests with a repeated name.
    if (!request.query.emplace(*name, std::move(*value)).second &&
        std::find(request.repeated_query.begin(), request.repeated_query.end(), *name) ==
            request.repeated_query.end()) {
      request.repeated_query.push_back(std::move(*name));
    }
  }
  return {};
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_as_space) {
      decoded.push_back(' ');
      continue;
    }
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

Status ParseTarget(Request& request) {
  const std::optional<std::string_view> target = OriginForm(request.target);
  if (!target) {
    return Fail(Error::InvalidArgument("The request target must be an absolute path."));
  }

  const size_t question = target->find('?');
  std::optional<std::string> path = PercentDecode(target->substr(0, question), false);
  if (!path) {
    return Fail(Error::InvalidArgument("The path has a malformed percent escape."));
  }
  if (path->find('\0') != std::string::npos) {
    return Fail(Error::InvalidArgument("The path contains a NUL byte."));
  }
  request.path = std::move(*path);

  request.query.clear();
  request.repeated_query.clear();
  if (question == std::string_view::npos) {
    return {};
  }
  return ParseQuery(target->substr(question + 1), request);
}

}  // namespace openlabs::gateway
