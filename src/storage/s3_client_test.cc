// Signature Version 4 as libcurl computes it for S3Client, checked against the examples of the
// Amazon S3 API Reference page "Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk" (docs.aws.amazon.com/AmazonS3/latest/API/
// sig-v4-header-based-auth.html). The expected signatures below are the ones printed there, not
// values computed by this code. S3 test servers such as s3rver do not check signatures, so this
// is the test that does.
#include "storage/s3_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>
#include <thread>

#include "storage/s3_xml.h"

namespace openlabs::storage {
namespace {

constexpr char kExampleHost[] = "Host: examplebucket.s3.amazonaws.com";
constexpr char kExampleDate[] = "x-amz-date: 20130524T000000Z";
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Accepts one connection on 127.0.0.1, stores the request it receives and answers 200.
class CapturingListener {
 public:
  CapturingListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(fd_, 1);
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~CapturingListener() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }

  uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The request head, available once the client has its response.
  const std::string& head() const { return head_; }

  // The value of a request header, by lower-case name.
  std::string Header(const std::string& name) const {
    std::map<std::string, std::string> headers;
    size_t start = head_.find("\r\n") + 2;
    while (start < head_.size()) {
      const size_t end = head_.find("\r\n", start);
      const std::string line = head_.substr(start, end - start);
      start = end + 2;
      const size_t colon = line.find(':');
      std::string key = line.substr(0, colon);
      for (char& c : key) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      if (key == name) {
        return line.substr(line.find_first_not_of(' ', colon + 1));
      }
    }
    return "";
  }

 private:
  void Serve() {
    const int client = ::accept(fd_, nullptr, nullptr);
    if (client < 0) {
      return;
    }
    std::string received;
    char buffer[4096];
    while (received.find("\r\n\r\n") == std::string::npos) {
      const ssize_t count = ::recv(client, buffer, sizeof(buffer), 0);
      if (count <= 0) {
        break;
      }
      received.append(buffer, static_cast<size_t>(count));
    }
    head_ = received.substr(0, received.find("\r\n\r\n"));
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
    ::close(client);
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string head_;
};

// The example credentials of the Amazon S3 API Reference.
S3ClientOptions ExampleOptions(const std::string& endpoint) {
  S3ClientOptions options;
  options.endpoint = endpoint;
  options.region = "us-east-1";
  options.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  options.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return options;
}

// The Credential, SignedHeaders and Signature of an Authorization header value.
std::map<std::string, std::string> AuthorizationParts(const std::string& value) {
  std::map<std::string, std::string> parts;
  const std::string algorithm = "AWS4-HMAC-SHA256 ";
  if (!value.starts_with(algorithm)) {
    return parts;
  }
  size_t start = algorithm.size();
  while (start < value.size()) {
    size_t end = value.find(',', start);
    end = end == std::string::npos ? value.size() : end;
    std::string part = value.substr(start, end - start);
    part.erase(0, part.find_first_not_of(' '));
    const size_t equals = part.find('=');
    parts[part.substr(0, equals)] = part.substr(equals + 1);
    start = end + 1;
  }
  return parts;
}

std::map<std::string, std::string> SendAndCapture(const S3Request& request,
                                                  CapturingListener& listener) {
  S3Client client(ExampleOptions(listener.endpoint()));
  Result<S3Response> response = client.Send(request);
  EXPECT_TRUE(response) << response.error().internal;
  return AuthorizationParts(listener.Header("authorization"));
}

TEST(S3SigningTest, GetObjectWithRangeMatchesAwsExample) {
  CapturingListener listener;
  const S3Request request{.method = "GET",
                          .path = "/test.txt",
                          .headers = {kExampleHost, "Range: bytes=0-9", kExampleDate}};

  std::map<std::string, std::string> parts = SendAndCapture(request, listener);

  EXPECT_EQ(parts["Credential"], "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(parts["SignedHeaders"], "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(parts["Signature"], "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(listener.Header("x-amz-content-sha256"), kEmptySha256);
}

TEST(S3SigningTest, PutObjectWithBodyMatchesAwsExample) {
  CapturingListener listener;
  const S3Request request{.method = "PUT",
                          .path = "/" + S3UriEncode("test$file.text", true),
                          .headers = {kExampleHost, "Date: Fri, 24 May 2013 00:00:00 GMT",
                                      kExampleDate, "x-amz-storage-class: REDUCED_REDUNDANCY"},
                          .body = "Welcome to Amazon S3."};

  std::map<std::string, std::string> parts = SendAndCapture(request, listener);

  EXPECT_EQ(request.path, "/test%24file.text");
  EXPECT_EQ(parts["SignedHeaders"], "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(parts["Signature"], "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  EXPECT_EQ(listener.Header("x-amz-content-sha256"),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(S3SigningTest, GetBucketLifecycleMatchesAwsExample) {
  CapturingListener listener;
  const S3Request request{
      .method = "GET", .path = "/", .query = "lifecycle=", .headers = {kExampleHost, kExampleDate}};

  std::map<std::string, std::string> parts = SendAndCapture(request, listener);

  EXPECT_EQ(parts["SignedHeaders"], "host;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(parts["Signature"], "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(S3SigningTest, ListObjectsMatchesAwsExample) {
  CapturingListener listener;
  const S3Request request{.method = "GET",
                          .path = "/",
                          .query = "max-keys=2&prefix=J",
                          .headers = {kExampleHost, kExampleDate}};

  std::map<std::string, std::string> parts = SendAndCapture(request, listener);

  EXPECT_EQ(parts["SignedHeaders"], "host;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(parts["Signature"], "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(S3UriEncodeTest, EncodesAllButUnreservedBytes) {
  EXPECT_EQ(S3UriEncode("a-b_c.d~e/f g+h=i", true), "a-b_c.d~e/f%20g%2Bh%3Di");
  EXPECT_EQ(S3UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(S3UriEncode("\xc3\xa9", false), "%C3%A9");
}

TEST(S3ClientTest, UnreachableServerIsUnavailable) {
  // A port that was free a moment ago: the listener is closed before the request.
  uint16_t port = 0;
  {
    CapturingListener listener;
    port = listener.port();
    S3Client(ExampleOptions(listener.endpoint())).Send({.method = "HEAD", .path = "/"});
  }
  S3ClientOptions options = ExampleOptions("http://127.0.0.1:" + std::to_string(port));
  S3Client client(options);

  Result<S3Response> response = client.Send({.method = "HEAD", .path = "/bucket/key"});

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().internal.find("/bucket/key"), std::string::npos)
      << response.error().internal;
}

TEST(S3ResponseErrorTest, MapsStatusAndCode) {
  const S3Request request{.method = "GET", .path = "/bucket/key"};
  S3Response missing{.status = 404,
                     .body = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>"
                             "<Message>The specified key does not exist.</Message></Error>"};
  S3Response no_bucket{.status = 404,
                       .body = "<Error><Code>NoSuchBucket</Code><Message>gone</Message></Error>"};
  S3Response denied{.status = 403,
                    .body = "<Error><Code>SignatureDoesNotMatch</Code><Message>x</Message></Error>"};
  S3Response busy{.status = 503, .body = "<Error><Code>SlowDown</Code><Message>x</Message></Error>"};
  S3Response bad{.status = 400, .body = "not xml"};

  const Error missing_error = S3ResponseError(request, missing);
  EXPECT_EQ(missing_error.code, ErrorCode::kNotFound);
  EXPECT_EQ(missing_error.internal,
            "S3 GET /bucket/key returned HTTP 404 NoSuchKey: The specified key does not exist.");
  EXPECT_EQ(S3ResponseError(request, no_bucket).code, ErrorCode::kUnavailable);
  const Error denied_error = S3ResponseError(request, denied);
  EXPECT_EQ(denied_error.code, ErrorCode::kUnavailable);
  EXPECT_NE(denied_error.internal.find("403 SignatureDoesNotMatch"), std::string::npos);
  EXPECT_EQ(S3ResponseError(request, busy).code, ErrorCode::kUnavailable);
  EXPECT_EQ(S3ResponseError(request, bad).code, ErrorCode::kInternal);
}

TEST(S3XmlTest, ParsesListPageWithNamespace) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>p/a&amp;b</Key><Size>1</Size></Contents>
  <Contents><Key>p/c</Key><Size>2</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)";

  Result<S3ListPage> page = ParseListObjectsV2(xml);

  ASSERT_TRUE(page) << page.error().internal;
  EXPECT_EQ(page->keys, (std::vector<std::string>{"p/a&b", "p/c"}));
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3XmlTest, RejectsOtherDocuments) {
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>x</Code></Error>"));
  EXPECT_FALSE(ParseListObjectsV2("not xml at all"));
  EXPECT_FALSE(ParseUploadId("<InitiateMultipartUploadResult></InitiateMultipartUploadResult>"));
  EXPECT_FALSE(ParseS3Error("<ListBucketResult/>"));
}

// An entity declared in the document is not expanded into the text.
TEST(S3XmlTest, DoesNotExpandEntities) {
  const std::string xml = R"(<?xml version="1.0"?>
<!DOCTYPE Error [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Error><Code>&secret;</Code><Message>m</Message></Error>)";

  std::optional<S3ErrorBody> error = ParseS3Error(xml);

  ASSERT_TRUE(error);
  EXPECT_EQ(error->code.find("root:"), std::string::npos);
}

TEST(S3XmlTest, CompleteBodyListsPartsInOrder) {
  const std::string xml = CompleteMultipartUploadXml({"etag1", "etag2"});

  EXPECT_NE(xml.find("<Part><PartNumber>1</PartNumber><ETag>\"etag1\"</ETag></Part>"
                     "<Part><PartNumber>2</PartNumber><ETag>\"etag2\"</ETag></Part>"),
            std::string::npos)
      << xml;
}

}  // namespace
}  // namespace openlabs::storage
