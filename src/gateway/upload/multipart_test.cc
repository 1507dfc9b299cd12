#include "gateway/upload/multipart.h"

#include <gtest/gtest.h>

#include <vector>

namespace openlabs::gateway {
namespace {

struct CollectedPart {
  PartHeaders headers;
  std::string data;
  bool ended = false;
};

class Collector : public PartListener {
 public:
  Status OnPartBegin(const PartHeaders& headers) override {
    parts.push_back({headers, "", false});
    return {};
  }
  Status OnPartData(std::string_view data) override {
    parts.back().data.append(data);
    return {};
  }
  Status OnPartEnd() override {
    parts.back().ended = true;
    return {};
  }
  std::vector<CollectedPart> parts;
};

// Binary content that contains pieces of the delimiter, CRLFs and NUL bytes.
std::string TrickyContent() {
  std::string content = "line one\r\n--XyQ not quite\r\n--Xy\r\n--X";
  content.push_back('\0');
  content += "\r\n-";
  for (int i = 0; i < 300; ++i) {
    content.push_back(static_cast<char>(i % 256));
  }
  return content;
}

std::string SampleBody(const std::string& content) {
  return "preamble to ignore\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"text\"\r\n\r\n"
         "Hello *world*\r\n"
         "--XyZ\r\n"
         "Content-Disposition: form-data; name=\"files[]\"; filename=\"a;b \\\"c\\\".bin\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n" +
         content +
         "\r\n--XyZ--\r\n"
         "epilogue";
}

TEST(MultipartParserTest, ParsesEveryChunkSize) {
  const std::string content = TrickyContent();
  const std::string body = SampleBody(content);
  for (size_t chunk = 1; chunk <= body.size(); chunk += (chunk < 64 ? 1 : 37)) {
    Collector collector;
    MultipartParser parser("XyZ", collector);
    for (size_t offset = 0; offset < body.size(); offset += chunk) {
      ASSERT_TRUE(parser.Feed(std::string_view(body).substr(offset, chunk))) << chunk;
    }
    ASSERT_TRUE(parser.Finish()) << chunk;
    ASSERT_EQ(collector.parts.size(), 2u) << chunk;
    EXPECT_EQ(collector.parts[0].headers.name, "text");
    EXPECT_FALSE(collector.parts[0].headers.filename);
    EXPECT_EQ(collector.parts[0].data, "Hello *world*");
    EXPECT_EQ(collector.parts[1].headers.name, "files[]");
    ASSERT_TRUE(collector.parts[1].headers.filename);
    EXPECT_EQ(*collector.parts[1].headers.filename, "a;b \"c\".bin");
    EXPECT_EQ(collector.parts[1].headers.content_type, "application/octet-stream");
    EXPECT_EQ(collector.parts[1].data, content) << chunk;
    EXPECT_TRUE(collector.parts[1].ended);
  }
}

// Large parts take the path that scans the caller's chunk in place. Near misses of the delimiter
// and many chunk sizes check that delimiters split between two chunks are still found.
TEST(MultipartParserTest, LargePartsInEveryChunkSize) {
  std::string first(300000, '\0');
  for (size_t i = 0; i < first.size(); ++i) {
    first[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  // Near misses: the delimiter with its last character changed.
  for (size_t i = 1000; i + 7 < first.size(); i += 4099) {
    first.replace(i, 7, "\r\n--XyQ");
  }
  const std::string second = "\r\n--XyQ-" + std::string(70000, 'b') + "\r\n--Xy";
  const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + first +
                           "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n" +
                           second + "\r\n--XyZ--\r\n";
  for (const size_t chunk : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{4096},
                             size_t{65536}, size_t{262143}, body.size()}) {
    Collector collector;
    MultipartParser parser("XyZ", collector);
    for (size_t offset = 0; offset < body.size(); offset += chunk) {
      ASSERT_TRUE(parser.Feed(std::string_view(body).substr(offset, chunk))) << chunk;
    }
    ASSERT_TRUE(parser.Finish()) << chunk;
    ASSERT_EQ(collector.parts.size(), 2u) << chunk;
    EXPECT_TRUE(collector.parts[0].data == first) << chunk;
    EXPECT_TRUE(collector.parts[1].data == second) << chunk;
    EXPECT_TRUE(collector.parts[1].ended) << chunk;
  }
}

TEST(MultipartParserTest, BodyStartingWithBoundary) {
  Collector collector;
  MultipartParser parser("b", collector);
  ASSERT_TRUE(parser.Feed("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--b--"));
  ASSERT_TRUE(parser.Finish());
  ASSERT_EQ(collector.parts.size(), 1u);
  EXPECT_EQ(collector.parts[0].data, "1");
}

TEST(MultipartParserTest, EmptyFilePart) {
  Collector collector;
  MultipartParser parser("b", collector);
  ASSERT_TRUE(
      parser.Feed("--b\r\nContent-Disposition: form-data; name=\"f\"; "
                  "filename=\"e.txt\"\r\n\r\n\r\n--b--\r\n"));
  ASSERT_TRUE(parser.Finish());
  ASSERT_EQ(collector.parts.size(), 1u);
  EXPECT_EQ(collector.parts[0].data, "");
}

TEST(MultipartParserTest, TruncatedBodyFailsAtFinish) {
  Collector collector;
  MultipartParser parser("b", collector);
  ASSERT_TRUE(parser.Feed("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\npartial"));
  EXPECT_FALSE(parser.Finish());
}

TEST(MultipartParserTest, PartWithoutNameIsRejected) {
  Collector collector;
  MultipartParser parser("b", collector);
  Status status = parser.Feed("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
}

TEST(MultipartParserTest, TooManyPartsAreRejected) {
  Collector collector;
  MultipartParser parser("b", collector, MultipartLimits{.max_parts = 2});
  std::string body;
  for (int i = 0; i < 3; ++i) {
    body += "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n";
  }
  EXPECT_FALSE(parser.Feed(body + "--b--"));
}

TEST(MultipartParserTest, OversizedHeadersAreRejected) {
  Collector collector;
  MultipartParser parser("b", collector, MultipartLimits{.max_header_bytes = 64});
  EXPECT_FALSE(parser.Feed("--b\r\nContent-Disposition: form-data; name=\"" +
                           std::string(100, 'x') + "\"\r\n\r\n"));
}

TEST(MultipartParserTest, ListenerErrorStopsParse) {
  class Refuser : public Collector {
   public:
    Status OnPartData(std::string_view) override {
      return Fail({ErrorCode::kPayloadTooLarge, "too big"});
    }
  } refuser;
  MultipartParser parser("b", refuser);
  Status status = parser.Feed("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n" +
                              std::string(1000, 'a'));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kPayloadTooLarge);
}

TEST(MultipartParserTest, BoundaryFromContentType) {
  Result<std::string> plain =
      MultipartParser::BoundaryFromContentType("multipart/form-data; boundary=abc123");
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "abc123");
  Result<std::string> quoted = MultipartParser::BoundaryFromContentType(
      "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(*quoted, "a b");
  Result<std::string> json = MultipartParser::BoundaryFromContentType("application/json");
  ASSERT_FALSE(json);
  EXPECT_EQ(json.error().code, ErrorCode::kUnsupportedMediaType);
  EXPECT_FALSE(MultipartParser::BoundaryFromContentType("multipart/form-data"));
}

}  // namespace
}  // namespace openlabs::gateway
