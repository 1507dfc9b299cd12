#include "common/s3_url.h"

#include <curl/curl.h>

#include <memory>
#include <optional>

namespace openlabs {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// One part of a parsed URL, or nothing when the URL lacks it.
std::optional<std::string> UrlPart(CURLU* url, CURLUPart part, unsigned int flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, flags) != CURLUE_OK || text == nullptr) {
    return std::nullopt;
  }
  std::string value(text);
  curl_free(text);
  return value;
}

std::string Unescape(std::string_view text) {
  int length = 0;
  char* decoded = curl_easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length);
  if (decoded == nullptr) {
    return std::string(text);
  }
  std::string value(decoded, static_cast<size_t>(length));
  curl_free(decoded);
  return value;
}

// S3's bucket naming rules: 3 to 63 lower-case letters, digits, dots and hyphens, starting and
// ending with a letter or digit.
bool IsValidBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) {
    return false;
  }
  const auto alphanumeric = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (const char c : bucket) {
    if (!alphanumeric(c) && c != '.' && c != '-') {
      return false;
    }
  }
  return alphanumeric(bucket.front()) && alphanumeric(bucket.back());
}

// A prefix has the characters of a blob key: segments of a-z, 0-9, '.', '_' and '-'.
bool IsValidPrefix(std::string_view prefix) {
  size_t segment_start = 0;
  for (size_t i = 0; i <= prefix.size(); ++i) {
    if (i == prefix.size() || prefix[i] == '/') {
      const std::string_view segment = prefix.substr(segment_start, i - segment_start);
      if (segment.empty() || segment.front() == '.') {
        return false;
      }
      segment_start = i + 1;
      continue;
    }
    const char c = prefix[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

Result<std::string> ParseEndpoint(const std::string& text) {
  const UrlHandle url(curl_url());
  if (!text.starts_with("http://") && !text.starts_with("https://")) {
    return Fail(Error::InvalidArgument("endpoint must start with http:// or https://, got \"" +
                                       text + "\""));
  }
  if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return Fail(Error::InvalidArgument("endpoint \"" + text + "\" is not a valid URL"));
  }
  const std::optional<std::string> path = UrlPart(url.get(), CURLUPART_PATH);
  if ((path && *path != "/") || UrlPart(url.get(), CURLUPART_QUERY) ||
      UrlPart(url.get(), CURLUPART_USER)) {
    return Fail(Error::InvalidArgument("endpoint \"" + text +
                                       "\" must be only scheme://host[:port], without a path, "
                                       "query or user"));
  }
  std::string endpoint = *UrlPart(url.get(), CURLUPART_SCHEME) + "://" +
                         *UrlPart(url.get(), CURLUPART_HOST);
  if (const std::optional<std::string> port = UrlPart(url.get(), CURLUPART_PORT)) {
    endpoint += ":" + *port;
  }
  return endpoint;
}

}  // namespace

Result<S3Url> ParseS3Url(std::string_view text) {
  if (!text.starts_with("s3://")) {
    return Fail(Error::InvalidArgument("must start with s3://, as in s3://BUCKET/PREFIX"));
  }
  const UrlHandle url(curl_url());
  const std::string copy(text);
  if (curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME) !=
      CURLUE_OK) {
    return Fail(Error::InvalidArgument("\"" + copy + "\" is not a valid URL"));
  }

  S3Url result;
  result.bucket = UrlPart(url.get(), CURLUPART_HOST).value_or("");
  if (!IsValidBucket(result.bucket) || UrlPart(url.get(), CURLUPART_PORT) ||
      UrlPart(url.get(), CURLUPART_USER)) {
    return Fail(Error::InvalidArgument(
        "bucket \"" + result.bucket +
        "\" is invalid: use 3 to 63 lower-case letters, digits, dots and hyphens"));
  }
  std::string prefix = UrlPart(url.get(), CURLUPART_PATH).value_or("/").substr(1);
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.pop_back();
  }
  if (!prefix.empty() && !IsValidPrefix(prefix)) {
    return Fail(Error::InvalidArgument(
        "prefix \"" + prefix + "\" is invalid: use segments of a-z, 0-9, '.', '_' and '-'"));
  }
  result.prefix = prefix.empty() ? "" : prefix + "/";

  std::string endpoint;
  const std::string query = UrlPart(url.get(), CURLUPART_QUERY).value_or("");
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    end = end == std::string::npos ? query.size() : end;
    const std::string_view pair = std::string_view(query).substr(start, end - start);
    start = end + 1;
    const size_t equals = pair.find('=');
    const std::string name = Unescape(pair.substr(0, equals));
    const std::string value = equals == std::string_view::npos ? "" : Unescape(pair.substr(equals + 1));
    if (name == "endpoint") {
      endpoint = value;
    } else if (name == "region") {
      result.region = value;
    } else if (!name.empty()) {
      return Fail(Error::InvalidArgument("unknown parameter \"" + name +
                                         "\"; the parameters are endpoint and region"));
    }
  }
  // The region goes into the signing scope, which separates its parts with ':' and '/'.
  if (result.region.empty() ||
      result.region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") !=
          std::string::npos) {
    return Fail(Error::InvalidArgument("region \"" + result.region +
                                       "\" is invalid: use lower-case letters, digits and '-'"));
  }
  if (endpoint.empty()) {
    endpoint = "https://s3." + result.region + ".amazonaws.com";
  }
  Result<std::string> parsed_endpoint = ParseEndpoint(endpoint);
  if (!parsed_endpoint) {
    return Fail(parsed_endpoint.error());
  }
  result.endpoint = std::move(*parsed_endpoint);
  return result;
}

}  // namespace openlabs
