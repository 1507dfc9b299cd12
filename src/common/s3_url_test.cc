#include "common/s3_url.h"

#include <gtest/gtest.h>

namespace openlabs {
namespace {

TEST(S3UrlTest, ParsesBucketPrefixEndpointAndRegion) {
  Result<S3Url> url =
      ParseS3Url("s3://openlabs-blobs/prod/eu?endpoint=http://127.0.0.1:9000&region=eu-west-1");

  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->bucket, "openlabs-blobs");
  EXPECT_EQ(url->prefix, "prod/eu/");
  EXPECT_EQ(url->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(url->region, "eu-west-1");
}

TEST(S3UrlTest, DefaultsToAwsInUsEast1) {
  Result<S3Url> url = ParseS3Url("s3://openlabs-blobs");

  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->prefix, "");
  EXPECT_EQ(url->region, "us-east-1");
  EXPECT_EQ(url->endpoint, "https://s3.us-east-1.amazonaws.com");
}

TEST(S3UrlTest, DecodesPercentEncodedEndpoint) {
  Result<S3Url> url = ParseS3Url("s3://bucket/?endpoint=https%3A%2F%2Fminio.internal%3A9000");

  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->endpoint, "https://minio.internal:9000");
  EXPECT_EQ(url->prefix, "");
}

TEST(S3UrlTest, RejectsInvalidUrls) {
  const char* const invalid[] = {
      "http://bucket/prefix",                   // not s3://
      "s3://Bucket",                            // upper case
      "s3://ab",                                // too short
      "s3://bucket/Prefix",                     // upper-case prefix
      "s3://bucket/a//b",                       // empty segment
      "s3://bucket?endpoint=ftp://host",        // not HTTP
      "s3://bucket?endpoint=http://host/path",  // path in the endpoint
      "s3://bucket?region=us:east",             // breaks the signing scope
      "s3://bucket?regoin=us-east-1",           // misspelled parameter
  };
  for (const char* text : invalid) {
    Result<S3Url> url = ParseS3Url(text);
    EXPECT_FALSE(url) << text;
    if (!url) {
      EXPECT_EQ(url.error().code, ErrorCode::kInvalidArgument) << text;
      EXPECT_FALSE(url.error().message.empty()) << text;
    }
  }
}

}  // namespace
}  // namespace openlabs
