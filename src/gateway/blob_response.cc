#include "gateway/blob_response.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <limits>
#include <optional>
#include <utility>

namespace openlabs::gateway {
namespace {

constexpr size_t kMaxFallbackNameBytes = 200;
constexpr std::string_view kFallbackName = "download";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// A non-negative decimal number; values past the int64_t range saturate, because they are past
// the end of any blob anyway.
std::optional<int64_t> ParsePosition(std::string_view digits) {
  if (digits.empty()) {
    return std::nullopt;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const int digit = c - '0';
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
  }
  return value;
}

RangeSelection Partial(int64_t first, int64_t last) {
  return {RangeSelection::Kind::kPartial, {first, last}};
}

RangeSelection Unsatisfiable() { return {RangeSelection::Kind::kUnsatisfiable, {}}; }

// "-n": the last n bytes.
RangeSelection SelectSuffix(std::string_view length_text, int64_t size) {
  const std::optional<int64_t> length = ParsePosition(length_text);
  if (!length) {
    return {};
  }
  if (*length == 0) {
    return Unsatisfiable();
  }
  return Partial(size - std::min(*length, size), size - 1);
}

std::string_view WithoutWeakPrefix(std::string_view etag) {
  return etag.substr(0, 2) == "W/" ? etag.substr(2) : etag;
}

// Keeps the characters that RFC 9110 allows inside a quoted entity tag.
std::string QuotedETag(std::string_view tag) {
  std::string quoted = "\"";
  for (const char c : tag) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0x21 || (byte >= 0x23 && byte <= 0x7e)) {
      quoted.push_back(c);
    }
  }
  quoted.push_back('"');
  return quoted;
}

std::string_view BaseName(std::string_view path) {
  const size_t separator = path.find_last_of("/\\");
  return separator == std::string_view::npos ? path : path.substr(separator + 1);
}

bool IsControl(unsigned char byte) { return byte < 0x20 || byte == 0x7f; }

bool IsContinuationByte(unsigned char byte) { return (byte & 0xc0) == 0x80; }

// Checks the UTF-8 encoding strictly: no overlong forms, no surrogates, nothing past U+10FFFF.
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code_point = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
      code_point = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      code_point = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) {
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if (!IsContinuationByte(byte)) {
        return false;
      }
      code_point = (code_point << 6) | (byte & 0x3f);
    }
    const uint32_t smallest = length == 3 ? 0x800 : 0x10000;
    if ((length > 2 && code_point < smallest) || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

// The file name for `filename="..."`: printable ASCII without the characters that need escaping
// or that some browsers decode ('"', '\', '%', '/'), and '_' for each non-ASCII character.
std::string AsciiFallbackName(std::string_view name) {
  std::string fallback;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      if (!IsContinuationByte(byte)) {
        fallback.push_back('_');
      }
      continue;
    }
    if (IsControl(byte) || c == '"' || c == '\\' || c == '%' || c == '/') {
      continue;
    }
    fallback.push_back(c);
  }
  // A leading dot would make the saved file hidden on Unix.
  const size_t start = fallback.find_first_not_of(". ");
  fallback.erase(0, start == std::string::npos ? fallback.size() : start);
  if (fallback.size() > kMaxFallbackNameBytes) {
    fallback.resize(kMaxFallbackNameBytes);
  }
  while (!fallback.empty() && fallback.back() == ' ') {
    fallback.pop_back();
  }
  return fallback.empty() ? std::string(kFallbackName) : fallback;
}

// RFC 8187 attr-char: the bytes that stay as they are in an ext-value.
bool IsAttrChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : text) {
    if (IsAttrChar(c)) {
      encoded.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    encoded.push_back('%');
    encoded.push_back(kHex[byte >> 4]);
    encoded.push_back(kHex[byte & 0x0f]);
  }
  return encoded;
}

std::string WithoutControlCharacters(std::string_view text) {
  std::string result;
  for (const char c : text) {
    if (!IsControl(static_cast<unsigned char>(c))) {
      result.push_back(c);
    }
  }
  return result;
}

// RFC 9110 section 13.1.5: If-Range allows the range only when it carries the current strong
// entity tag. A date never matches, because downloads send no Last-Modified.
bool IfRangeAllows(std::string_view if_range, std::string_view etag) {
  if_range = Trim(if_range);
  return if_range.empty() || if_range == etag;
}

Response StoreFailure(const Error& error, std::string_view key) {
  if (error.code != ErrorCode::kNotFound) {
    spdlog::error("Reading blob {} for a download failed: {} {}", key, error.message,
                  error.internal);
  }
  return Response::FromError(error);
}

void AddDownloadHeaders(const DownloadOptions& options, const std::string& etag,
                        Response& response) {
  response.content_type =
      options.content_type.empty() ? "application/octet-stream" : options.content_type;
  response.headers.emplace_back("ETag", etag);
  response.headers.emplace_back("Accept-Ranges", "bytes");
  response.headers.emplace_back("Cache-Control", options.cache_control);
  response.headers.emplace_back("Content-Disposition",
                                ContentDisposition(options.attachment, options.filename));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (!options.content_security_policy.empty()) {
    response.headers.emplace_back("Content-Security-Policy", options.content_security_policy);
  }
}

}  // namespace

RangeSelection SelectRequestRange(const Request& request, std::string_view etag, int64_t size) {
  if (request.method != "GET" || !IfRangeAllows(request.Header("if-range"), etag)) {
    return {};
  }
  return SelectRange(request.Header("range"), size);
}

std::string ContentRange(const storage::ByteRange& range, int64_t size) {
  return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
         std::to_string(size);
}

Response RangeNotSatisfiable(int64_t size) {
  Response response = Response::FromError(Error::InvalidArgument(
      "The requested range starts at or past the end of the file, which has " +
      std::to_string(size) + " bytes. Request a range within the file or omit the Range header."));
  response.status = 416;
  response.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
  response.headers.emplace_back("Accept-Ranges", "bytes");
  return response;
}

RangeSelection SelectRange(std::string_view range_header, int64_t size) {
  std::string_view value = Trim(range_header);
  constexpr std::string_view kUnit = "bytes=";
  if (size <= 0 || value.size() < kUnit.size() ||
      strncasecmp(value.data(), kUnit.data(), kUnit.size()) != 0) {
    return {};
  }
  value = Trim(value.substr(kUnit.size()));
  const size_t dash = value.find('-');
  if (value.find(',') != std::string_view::npos || dash == std::string_view::npos) {
    return {};
  }

  const std::string_view first_text = Trim(value.substr(0, dash));
  const std::string_view last_text = Trim(value.substr(dash + 1));
  if (first_text.empty()) {
    return SelectSuffix(last_text, size);
  }
  const std::optional<int64_t> first = ParsePosition(first_text);
  const std::optional<int64_t> last =
      last_text.empty() ? std::numeric_limits<int64_t>::max() : ParsePosition(last_text);
  if (!first || !last || *last < *first) {
    return {};
  }
  if (*first >= size) {
    return Unsatisfiable();
  }
  return Partial(*first, std::min(*last, size - 1));
}

bool IfNoneMatchMatches(std::string_view if_none_match, std::string_view etag) {
  if_none_match = Trim(if_none_match);
  if (if_none_match.empty()) {
    return false;
  }
  if (if_none_match == "*") {
    return true;
  }
  const std::string_view expected = WithoutWeakPrefix(etag);
  while (!if_none_match.empty()) {
    const size_t comma = if_none_match.find(',');
    const std::string_view entry = Trim(if_none_match.substr(0, comma));
    if (WithoutWeakPrefix(entry) == expected) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

std::string ContentDisposition(bool attachment, std::string_view filename) {
  std::string value = attachment ? "attachment" : "inline";
  if (filename.empty()) {
    return value;
  }

  const std::string name = WithoutControlCharacters(BaseName(filename));
  value += "; filename=\"" + AsciiFallbackName(name) + "\"";
  if (!name.empty() && IsValidUtf8(name)) {
    value += "; filename*=UTF-8''" + PercentEncode(name);
  }
  return value;
}

Response BlobDownload(const Request& request, storage::BlobStore& blobs, std::string_view key,
                      const DownloadOptions& options) {
  const Result<storage::BlobInfo> info = blobs.Stat(key);
  if (!info) {
    return StoreFailure(info.error(), key);
  }

  const std::string etag = QuotedETag(options.sha256.empty() ? info->etag : options.sha256);
  Response response;
  AddDownloadHeaders(options, etag, response);
  if (IfNoneMatchMatches(request.Header("if-none-match"), etag)) {
    response.status = 304;
    return response;
  }

  const RangeSelection selection = SelectRequestRange(request, etag, info->size);
  if (selection.kind == RangeSelection::Kind::kUnsatisfiable) {
    return RangeNotSatisfiable(info->size);
  }
  std::optional<storage::ByteRange> range;
  if (selection.kind == RangeSelection::Kind::kPartial) {
    range = selection.range;
  }

  Result<std::unique_ptr<storage::BlobReader>> reader = blobs.OpenReader(key, range);
  if (!reader) {
    return StoreFailure(reader.error(), key);
  }
  if (range) {
    response.status = 206;
    response.headers.emplace_back("Content-Range", ContentRange(*range, info->size));
  }
  response.body_reader = std::move(*reader);
  return response;
}

}  // namespace openlabs::gateway
