#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace openlabs::gateway {

// The headers of one part of a multipart/form-data body (RFC 7578).
struct PartHeaders {
  std::string name;                     // the form field name
  std::optional<std::string> filename;  // set for file parts, as the client sent it
  std::string content_type;             // "text/plain" when the part names none
};

// Receives the parts of a multipart body as the parser finds them. An error from any callback
// stops the parse and is returned from Feed.
class PartListener {
 public:
  virtual ~PartListener() = default;
  virtual Status OnPartBegin(const PartHeaders& headers) = 0;
  virtual Status OnPartData(std::string_view data) = 0;
  virtual Status OnPartEnd() = 0;
};

struct MultipartLimits {
  size_t max_header_bytes = 16 * 1024;  // of the header block of one part
  int max_parts = 64;
};

// An incremental multipart/form-data parser: it takes the body in chunks of any size and
// passes part data on without holding whole parts, so memory stays bounded by the chunk size
// and the boundary length. Not thread-safe.
class MultipartParser {
 public:
  MultipartParser(std::string_view boundary, PartListener& listener, MultipartLimits limits = {});

  // Parses the next chunk of the body.
  Status Feed(std::string_view chunk);

  // Checks that the body ended with the closing boundary.
  Status Finish();

  // The boundary parameter of a "multipart/form-data; boundary=..." content type.
  static Result<std::string> BoundaryFromContentType(std::string_view content_type);

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kEpilogue };

  Status Drain();
  Status Step(bool& progressed);
  Result<size_t> ScanBody(std::string_view data);
  size_t FindDelimiter(std::string_view data) const;
  Status ParseHeaders(std::string_view block);

  std::string delimiter_;  // "\r\n--" + boundary
  PartListener& listener_;
  MultipartLimits limits_;
  State state_ = State::kPreamble;
  std::string buffer_;
  int parts_ = 0;
};

}  // namespace openlabs::gateway
