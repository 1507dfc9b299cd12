#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/error.h"
#include "gateway/http.h"
#include "gateway/upload/multipart.h"
#include "gateway/upload/upload_sink.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

// The multipart/form-data body of one request to an upload route, streamed chunk by chunk
// through a MultipartParser into an UploadSink, so memory stays bounded whatever the file sizes.
// Until Finish succeeds, the blobs it wrote are deleted on the first error and on destruction.
// Not thread-safe.
class UploadBody {
 public:
  // Starts the upload of a body with this Content-Type value. Returns kUnsupportedMediaType (415)
  // unless the type is multipart/form-data, and kInvalidArgument (400) when the boundary is
  // missing or invalid.
  static Result<std::unique_ptr<UploadBody>> Start(storage::BlobStore& blobs,
                                                   const UploadLimits& limits,
                                                   std::string_view content_type);

  // The largest body that a form within `limits` can have: the files and fields at their limits,
  // plus part headers, boundaries and a preamble. Larger bodies are rejected up front.
  static int64_t MaxBodyBytes(const UploadLimits& limits);

  // The kPayloadTooLarge error for a body larger than MaxBodyBytes(limits).
  static Error BodyTooLarge(const UploadLimits& limits);

  UploadBody(const UploadBody&) = delete;
  UploadBody& operator=(const UploadBody&) = delete;

  // Parses the next chunk of the body and writes file data to the blob store. On the first
  // error (400 malformed, 413 too large, 500 storage) it deletes the blobs written so far and
  // returns the error, and every later call returns it again.
  Status Feed(std::string_view chunk);

  // Checks that the body ended with the closing boundary, then moves the text fields into
  // request.form and the stored files into request.files. From then on the caller owns the blobs.
  Status Finish(Request& request);

  // Deletes the blobs written so far.
  void Discard();

  // The error that stopped the upload, if any.
  const std::optional<Error>& error() const { return error_; }

 private:
  UploadBody(storage::BlobStore& blobs, const UploadLimits& limits, std::string_view boundary);

  Status Stop(Error error);

  UploadSink sink_;
  MultipartParser parser_;  // declared after sink_, which it refers to
  std::optional<Error> error_;
};

}  // namespace openlabs::gateway
