#include "gateway/upload/upload_body.h"

#include <algorithm>
#include <limits>
#include <memory>

namespace openlabs::gateway {
namespace {

// Per part: the header block (limited by MultipartLimits::max_header_bytes) and the boundary
// line before it, whose transport padding the parser limits to 256 bytes.
constexpr int64_t kBoundaryLineBytes = 512;
// The preamble before the first part, the closing boundary and an epilogue.
constexpr int64_t kFramingBytes = 64 * 1024;

int64_t SaturatingMultiply(int64_t count, int64_t bytes) {
  if (count <= 0 || bytes <= 0) {
    return 0;
  }
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return bytes > kMax / count ? kMax : count * bytes;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return a > kMax - b ? kMax : a + b;
}

// One part more than the sink accepts, so that a form with too many parts gets the sink's 413,
// which names the limit, rather than the parser's generic error.
MultipartLimits PartLimits(const UploadLimits& limits) {
  MultipartLimits part_limits;
  part_limits.max_parts = std::max(0, limits.max_files) + std::max(0, limits.max_fields) + 1;
  return part_limits;
}

}  // namespace

Result<std::unique_ptr<UploadBody>> UploadBody::Start(storage::BlobStore& blobs,
                                                      const UploadLimits& limits,
                                                      std::string_view content_type) {
  Result<std::string> boundary = MultipartParser::BoundaryFromContentType(content_type);
  if (!boundary) {
    return Fail(boundary.error());
  }
  return std::unique_ptr<UploadBody>(new UploadBody(blobs, limits, *boundary));
}

int64_t UploadBody::MaxBodyBytes(const UploadLimits& limits) {
  const int64_t parts = std::max(0, limits.max_files) + std::max(0, limits.max_fields);
  const int64_t part_overhead =
      static_cast<int64_t>(MultipartLimits{}.max_header_bytes) + kBoundaryLineBytes;
  int64_t total = SaturatingMultiply(limits.max_files, limits.max_file_bytes);
  total = SaturatingAdd(total, SaturatingMultiply(limits.max_fields, limits.max_field_bytes));
  total = SaturatingAdd(total, SaturatingMultiply(parts, part_overhead));
  return SaturatingAdd(total, kFramingBytes);
}

Error UploadBody::BodyTooLarge(const UploadLimits& limits) {
  return {ErrorCode::kPayloadTooLarge,
          "The upload is larger than " + std::to_string(MaxBodyBytes(limits)) +
              " bytes, the maximum for this form: " + std::to_string(limits.max_files) +
              " files of up to " + std::to_string(limits.max_file_bytes) + " bytes and " +
              std::to_string(limits.max_fields) + " fields of up to " +
              std::to_string(limits.max_field_bytes) + " bytes."};
}

UploadBody::UploadBody(storage::BlobStore& blobs, const UploadLimits& limits,
                       std::string_view boundary)
    : sink_(blobs, limits), parser_(boundary, sink_, PartLimits(limits)) {}

Status UploadBody::Feed(std::string_view chunk) {
  if (error_) {
    return Fail(*error_);
  }
  if (Status fed = parser_.Feed(chunk); !fed) {
    return Stop(fed.error());
  }
  return {};
}

Status UploadBody::Finish(Request& request) {
  if (error_) {
    return Fail(*error_);
  }
  if (Status finished = parser_.Finish(); !finished) {
    return Stop(finished.error());
  }
  request.form = sink_.TakeFields();
  request.files = sink_.TakeFiles();
  return {};
}

void UploadBody::Discard() { sink_.Discard(); }

Status UploadBody::Stop(Error error) {
  sink_.Discard();
  error_ = error;
  return Fail(std::move(error));
}

}  // namespace openlabs::gateway
