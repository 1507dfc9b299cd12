#include "storage/test_s3.h"

#include <cstdlib>

#include "common/random.h"

namespace openlabs::storage {
namespace {

std::string Environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

std::string TestS3BlobUrl() {
  const std::string url = Environment("OPENLABS_TEST_S3_URL");
  if (url.empty()) {
    return "";
  }
  // s3://BUCKET?endpoint=... becomes s3://BUCKET/test-UUID?endpoint=...
  const size_t query = url.find('?');
  const std::string location = url.substr(0, query);
  const std::string parameters = query == std::string::npos ? "" : url.substr(query);
  return location + (location.ends_with('/') ? "" : "/") + "test-" + NewUuid() + parameters;
}

std::optional<S3BlobStoreOptions> TestS3StoreOptions() {
  const std::string url = TestS3BlobUrl();
  if (url.empty()) {
    return std::nullopt;
  }
  Result<S3Url> parsed = ParseS3Url(url);
  if (!parsed) {
    return std::nullopt;
  }
  return S3BlobStoreOptionsFor(*parsed, Environment("AWS_ACCESS_KEY_ID"),
                               Environment("AWS_SECRET_ACCESS_KEY"));
}

}  // namespace openlabs::storage
