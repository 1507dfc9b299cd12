#pragma once

#include <optional>
#include <string>

#include "storage/s3_blob_store.h"

namespace openlabs::storage {

// The skip message of tests that need the S3 test server.
inline constexpr char kNoS3Message[] =
    "OPENLABS_TEST_S3_URL is not set; run the tests under scripts/with-s3.sh to include the S3 "
    "blob store";

// The options of a blob store on the S3 test server that OPENLABS_TEST_S3_URL names (as
// scripts/with-s3.sh sets it, with the credentials in AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY), under a new random prefix so that tests do not see each other's blobs.
// Nothing when the variable is unset.
std::optional<S3BlobStoreOptions> TestS3StoreOptions();

// The same store as an s3:// URL for `openlabs --blob-url`, or an empty string.
std::string TestS3BlobUrl();

}  // namespace openlabs::storage
