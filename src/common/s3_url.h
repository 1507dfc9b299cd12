#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace openlabs {

// Where an S3-compatible blob store keeps its blobs, parsed from a URL of the form
//   s3://BUCKET/PREFIX?endpoint=http://127.0.0.1:9000&region=us-east-1
// PREFIX (optional) is prepended to every blob key. Without `endpoint` the store talks to AWS at
// https://s3.REGION.amazonaws.com; without `region` the region is us-east-1.
struct S3Url {
  std::string bucket;
  std::string prefix;    // empty, or ends with '/'
  std::string endpoint;  // scheme://host[:port], without a trailing slash
  std::string region = "us-east-1";
};

// Parses an s3:// blob URL. Returns kInvalidArgument with a message naming the problem.
Result<S3Url> ParseS3Url(std::string_view url);

}  // namespace openlabs
