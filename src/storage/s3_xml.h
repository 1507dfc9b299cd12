#pragma once

// The XML bodies of the S3 API that the S3 blob store reads and writes, parsed with libxml2.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::storage {

// The Code and Message of an S3 <Error> body.
struct S3ErrorBody {
  std::string code;
  std::string message;
};

// The error in `xml`, or nothing when it is not an <Error> document.
std::optional<S3ErrorBody> ParseS3Error(std::string_view xml);

// One page of a ListObjectsV2 response.
struct S3ListPage {
  std::vector<std::string> keys;
  bool truncated = false;
  std::string next_continuation_token;
};

Result<S3ListPage> ParseListObjectsV2(std::string_view xml);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseUploadId(std::string_view xml);

// The ETag, without quotes, of a CompleteMultipartUploadResult.
Result<std::string> ParseCompletedEtag(std::string_view xml);

// The CompleteMultipartUpload request body for parts 1..N with these ETags.
std::string CompleteMultipartUploadXml(const std::vector<std::string>& part_etags);

// `etag` without the double quotes around it.
std::string UnquotedEtag(std::string_view etag);

}  // namespace openlabs::storage
