#pragma once

// Signed HTTP requests to an S3-compatible server, through libcurl. Used by the S3 blob store
// (s3_blob_store.cc); its own tests check the signatures against AWS's published examples.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

typedef void CURL;
typedef void CURLM;
struct curl_slist;

namespace openlabs::storage {

struct S3ClientOptions {
  std::string endpoint;  // scheme://host[:port]
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only; sent as x-amz-security-token
  std::chrono::seconds connect_timeout{10};
  // The longest a whole request may take, or a download may go without receiving a byte.
  std::chrono::seconds request_timeout{60};
};

// One request. libcurl signs it with AWS Signature Version 4 over the host, every header listed
// here, x-amz-date (libcurl's clock, unless `headers` sets it) and x-amz-content-sha256, which
// the client adds as the SHA-256 of `body`.
struct S3Request {
  std::string method = "GET";
  std::string path;                  // URI-encoded, starting with '/'
  std::string query;                 // canonical: URI-encoded name=value pairs sorted by name
  std::vector<std::string> headers;  // "Name: value"
  std::string_view body;
};

struct S3Response {
  long status = 0;
  std::string body;           // the whole body of Send; only an error body for a download
  std::string etag;           // the ETag header without its quotes
  int64_t content_length = -1;
  std::string content_range;  // the Content-Range header of a ranged download
  int64_t last_modified_ms = 0;
  std::string request_id;     // x-amz-request-id, for the logs
};

// The kNotFound, kUnavailable or kInternal error for a failed response, with the method, the
// path, the HTTP status and the S3 error code and message in the internal detail.
Error S3ResponseError(const S3Request& request, const S3Response& response);

// A response body read as it arrives. Not thread-safe.
class S3Download {
 public:
  ~S3Download();
  S3Download(const S3Download&) = delete;
  S3Download& operator=(const S3Download&) = delete;

  // The status and headers; for an error status also the body.
  const S3Response& response() const { return response_; }
  // Reads up to `capacity` bytes of the body; returns 0 at its end.
  Result<size_t> Read(char* buffer, size_t capacity);

 private:
  friend class S3Client;
  S3Download() = default;
  static size_t OnData(char* data, size_t size, size_t count, void* self);
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  Status Drive();

  CURLM* multi_ = nullptr;
  CURL* curl_ = nullptr;
  std::vector<std::string> header_lines_;
  std::string method_and_path_;  // for error messages
  S3Response response_;
  std::string buffer_;  // received and not yet read
  size_t buffer_offset_ = 0;
  bool headers_done_ = false;
  bool paused_ = false;
  bool finished_ = false;
  int result_ = 0;  // CURLcode of the finished transfer
  struct curl_slist* header_list_ = nullptr;
};

// Sends requests to one S3 endpoint, reusing connections. Requests that fail on the network or
// with HTTP 500 or 503 are tried up to three times. Thread-safe.
class S3Client {
 public:
  explicit S3Client(S3ClientOptions options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Sends the request and returns the response of any HTTP status; fails only when no response
  // came (kUnavailable) or the body passed 16 MiB (kInternal).
  Result<S3Response> Send(const S3Request& request);

  // Sends a GET request and waits for the status and headers; the body is read from the result.
  // Not retried.
  Result<std::unique_ptr<S3Download>> Download(const S3Request& request);

  const S3ClientOptions& options() const { return options_; }

 private:
  CURL* TakeHandle();
  void ReturnHandle(CURL* curl);
  struct curl_slist* Prepare(CURL* curl, const S3Request& request, std::string& url);
  Result<S3Response> SendOnce(const S3Request& request);

  S3ClientOptions options_;
  std::string signing_scope_;  // libcurl's CURLOPT_AWS_SIGV4 value
  std::mutex mutex_;
  std::vector<CURL*> idle_handles_;
};

// Percent-encodes `text` as Signature Version 4 requires: every byte except A-Z, a-z, 0-9, '-',
// '.', '_' and '~' becomes %XX in upper-case hex; '/' is kept when `keep_slash` is true.
std::string S3UriEncode(std::string_view text, bool keep_slash);

}  // namespace openlabs::storage
