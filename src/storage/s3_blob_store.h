#pragma once

#include <memory>
#include <string>

#include "common/s3_url.h"
#include "storage/blob_store.h"
#include "storage/s3_client.h"

namespace openlabs::storage {

struct S3BlobStoreOptions {
  std::string bucket;
  std::string prefix;  // prepended to every key: empty, or ends with '/'
  int list_page_size = 1000;  // keys per ListObjectsV2 request; S3 returns at most 1000
  S3ClientOptions client;
};

// The options for the store that `url` names, with these credentials.
S3BlobStoreOptions S3BlobStoreOptionsFor(const S3Url& url, std::string access_key_id,
                                         std::string secret_access_key,
                                         std::string session_token = "");

// A blob store in a bucket of an S3-compatible server (AWS S3, MinIO), addressed path-style
// (ENDPOINT/BUCKET/KEY) and signed with AWS Signature Version 4. The bucket must exist.
//
// A writer keeps up to 8 MiB in memory. A blob of at most 8 MiB is sent in one PUT at Commit.
// A larger one becomes a multipart upload of 8 MiB parts, each sent when full. Commit completes
// the upload and a writer destroyed without Commit aborts it, so nothing is visible under the
// key before Commit. A reader streams the object from one GET, holding at most 256 KiB of it.
// Errors: kNotFound for a missing key, kUnavailable when the server is unreachable, times out,
// answers 5xx or rejects the credentials, with the HTTP status and S3 error code in `internal`.
// NOTE: the server keeps the parts of an upload whose abort failed (a crash, or a server such
// as s3rver that does not implement the abort); a bucket lifecycle rule that aborts incomplete
// multipart uploads after a day removes them on AWS and MinIO.
std::unique_ptr<BlobStore> MakeS3BlobStore(S3BlobStoreOptions options);

}  // namespace openlabs::storage
