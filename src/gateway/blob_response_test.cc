#include "gateway/blob_response.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace openlabs::gateway {
namespace {

using Kind = RangeSelection::Kind;

std::string ReadAll(storage::BlobReader& reader) {
  std::string data;
  char buffer[4096];
  for (;;) {
    const Result<size_t> count = reader.Read(buffer, sizeof(buffer));
    if (!count || *count == 0) {
      return data;
    }
    data.append(buffer, *count);
  }
}

std::string HeaderOf(const Response& response, std::string_view name) {
  for (const auto& [header_name, value] : response.headers) {
    if (header_name == name) {
      return value;
    }
  }
  return "";
}

TEST(SelectRangeTest, ClosedRange) {
  const RangeSelection selection = SelectRange("bytes=2-5", 10);

  EXPECT_EQ(selection.kind, Kind::kPartial);
  EXPECT_EQ(selection.range.first, 2);
  EXPECT_EQ(selection.range.last, 5);
}

TEST(SelectRangeTest, OpenRangeEndsAtLastByte) {
  const RangeSelection selection = SelectRange("bytes=7-", 10);

  EXPECT_EQ(selection.kind, Kind::kPartial);
  EXPECT_EQ(selection.range.first, 7);
  EXPECT_EQ(selection.range.last, 9);
}

TEST(SelectRangeTest, SuffixRange) {
  const RangeSelection selection = SelectRange("bytes=-3", 10);

  EXPECT_EQ(selection.kind, Kind::kPartial);
  EXPECT_EQ(selection.range.first, 7);
  EXPECT_EQ(selection.range.last, 9);
}

TEST(SelectRangeTest, SuffixLongerThanSizeIsWhole) {
  const RangeSelection selection = SelectRange("bytes=-50", 10);

  EXPECT_EQ(selection.kind, Kind::kPartial);
  EXPECT_EQ(selection.range.first, 0);
  EXPECT_EQ(selection.range.last, 9);
}

TEST(SelectRangeTest, LastPastEndIsShortened) {
  const RangeSelection selection = SelectRange("bytes=5-999999999999999999999", 10);

  EXPECT_EQ(selection.kind, Kind::kPartial);
  EXPECT_EQ(selection.range.first, 5);
  EXPECT_EQ(selection.range.last, 9);
}

TEST(SelectRangeTest, SpacesAndUnitCaseAreAccepted) {
  const RangeSelection selection = SelectRange(" Bytes= 1 - 2 ", 10);

  EXPECT_EQ(selection.kind, Kind::kPartial);
  EXPECT_EQ(selection.range.first, 1);
  EXPECT_EQ(selection.range.last, 2);
}

TEST(SelectRangeTest, StartAtOrPastEndIsUnsatisfiable) {
  EXPECT_EQ(SelectRange("bytes=10-", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(SelectRange("bytes=10-20", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(SelectRange("bytes=99999999999999999999999-", 10).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(SelectRange("bytes=-0", 10).kind, Kind::kUnsatisfiable);
}

TEST(SelectRangeTest, IgnoredValuesSelectWhole) {
  for (const char* value : {"", "bytes=", "bytes=-", "bytes=5-2", "bytes=a-b", "bytes=1-2,4-5",
                            "items=1-2", "bytes=1", "bytes=+1-2", "bytes=--1"}) {
    EXPECT_EQ(SelectRange(value, 10).kind, Kind::kFull) << value;
  }
}

TEST(SelectRangeTest, EmptyRepresentationIsWhole) {
  EXPECT_EQ(SelectRange("bytes=0-", 0).kind, Kind::kFull);
  EXPECT_EQ(SelectRange("bytes=-5", 0).kind, Kind::kFull);
}

TEST(IfNoneMatchTest, MatchesListedAndWeakTags) {
  EXPECT_TRUE(IfNoneMatchMatches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(IfNoneMatchMatches(" * ", "\"abc\""));
}

TEST(IfNoneMatchTest, RejectsOtherTags) {
  EXPECT_FALSE(IfNoneMatchMatches("", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"ab\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("\"abcd\"", "\"abc\""));
  EXPECT_FALSE(IfNoneMatchMatches("abc", "\"abc\""));
}

TEST(ContentDispositionTest, PlainName) {
  EXPECT_EQ(ContentDisposition(true, "report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
  EXPECT_EQ(ContentDisposition(false, ""), "inline");
}

TEST(ContentDispositionTest, NonAsciiNameIsPercentEncoded) {
  EXPECT_EQ(ContentDisposition(false, "Отчёт 1.pdf"),
            "inline; filename=\"_____ 1.pdf\"; "
            "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%201.pdf");
}

TEST(ContentDispositionTest, HostileNameCannotBreakTheHeader) {
  const std::string value =
      ContentDisposition(true, "../..\\evil\"\r\nSet-Cookie: a=b;%41 \x01.html");

  EXPECT_EQ(value,
            "attachment; filename=\"evilSet-Cookie: a=b;41 .html\"; "
            "filename*=UTF-8''evil%22Set-Cookie%3A%20a%3Db%3B%2541%20.html");
  EXPECT_EQ(value.find_first_of("\r\n"), std::string::npos);
}

TEST(ContentDispositionTest, LeadingDotsAreDroppedFromFallback) {
  EXPECT_EQ(ContentDisposition(true, ".bashrc"),
            "attachment; filename=\"bashrc\"; filename*=UTF-8''.bashrc");
  EXPECT_EQ(ContentDisposition(true, "..."),
            "attachment; filename=\"download\"; filename*=UTF-8''...");
}

TEST(ContentDispositionTest, InvalidUtf8GetsFallbackOnly) {
  EXPECT_EQ(ContentDisposition(true, "a\xff\xfe.txt"), "attachment; filename=\"a__.txt\"");
  EXPECT_EQ(ContentDisposition(true, "\xc0\xaf.txt"), "attachment; filename=\"_.txt\"");
}

class BlobDownloadTest : public ::testing::Test {
 protected:
  BlobDownloadTest()
      : root_(std::filesystem::temp_directory_path() /
              ("openlabs_blob_response_" + std::to_string(getpid()))),
        blobs_(storage::MakeLocalBlobStore(root_.string())) {
    std::filesystem::remove_all(root_);
    const Result<storage::BlobInfo> put = blobs_->Put("files/a", "0123456789");
    EXPECT_TRUE(put.has_value());
    etag_ = "\"" + put->etag + "\"";
    request_.method = "GET";
  }
  ~BlobDownloadTest() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::string etag_;
  Request request_;
};

TEST_F(BlobDownloadTest, WholeBlob) {
  DownloadOptions options;
  options.content_type = "application/pdf";
  options.filename = "a.pdf";

  const Response response = BlobDownload(request_, *blobs_, "files/a", options);

  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/pdf");
  EXPECT_EQ(HeaderOf(response, "ETag"), etag_);
  EXPECT_EQ(HeaderOf(response, "Accept-Ranges"), "bytes");
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "private, max-age=0, must-revalidate");
  EXPECT_EQ(HeaderOf(response, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(response, "Content-Disposition"),
            "inline; filename=\"a.pdf\"; filename*=UTF-8''a.pdf");
  EXPECT_EQ(HeaderOf(response, "Content-Security-Policy"), kDownloadContentSecurityPolicy);
  ASSERT_NE(response.body_reader, nullptr);
  EXPECT_EQ(response.body_reader->length(), 10);
  EXPECT_EQ(ReadAll(*response.body_reader), "0123456789");
}

TEST_F(BlobDownloadTest, RangeIs206) {
  request_.headers.emplace_back("range", "bytes=-4");

  const Response response = BlobDownload(request_, *blobs_, "files/a");

  EXPECT_EQ(response.status, 206);
  EXPECT_EQ(HeaderOf(response, "Content-Range"), "bytes 6-9/10");
  ASSERT_NE(response.body_reader, nullptr);
  EXPECT_EQ(response.body_reader->length(), 4);
  EXPECT_EQ(ReadAll(*response.body_reader), "6789");
}

TEST_F(BlobDownloadTest, UnsatisfiableRangeIs416) {
  request_.headers.emplace_back("range", "bytes=10-");

  const Response response = BlobDownload(request_, *blobs_, "files/a");

  EXPECT_EQ(response.status, 416);
  EXPECT_EQ(HeaderOf(response, "Content-Range"), "bytes */10");
  EXPECT_EQ(response.body_reader, nullptr);
  EXPECT_NE(response.body.find("invalid_argument"), std::string::npos);
}

TEST_F(BlobDownloadTest, StaleIfRangeSendsWholeBlob) {
  request_.headers.emplace_back("range", "bytes=0-1");
  request_.headers.emplace_back("if-range", "\"old\"");

  const Response response = BlobDownload(request_, *blobs_, "files/a");

  EXPECT_EQ(response.status, 200);
  ASSERT_NE(response.body_reader, nullptr);
  EXPECT_EQ(response.body_reader->length(), 10);
}

TEST_F(BlobDownloadTest, MatchingIfRangeSendsRange) {
  request_.headers.emplace_back("range", "bytes=0-1");
  request_.headers.emplace_back("if-range", etag_);

  const Response response = BlobDownload(request_, *blobs_, "files/a");

  EXPECT_EQ(response.status, 206);
}

TEST_F(BlobDownloadTest, HeadIgnoresRange) {
  request_.method = "HEAD";
  request_.headers.emplace_back("range", "bytes=0-1");

  const Response response = BlobDownload(request_, *blobs_, "files/a");

  EXPECT_EQ(response.status, 200);
  ASSERT_NE(response.body_reader, nullptr);
  EXPECT_EQ(response.body_reader->length(), 10);
}

TEST_F(BlobDownloadTest, MatchingIfNoneMatchIs304) {
  request_.headers.emplace_back("if-none-match", etag_);

  const Response response = BlobDownload(request_, *blobs_, "files/a");

  EXPECT_EQ(response.status, 304);
  EXPECT_EQ(response.body_reader, nullptr);
  EXPECT_EQ(HeaderOf(response, "ETag"), etag_);
}

TEST_F(BlobDownloadTest, Sha256BecomesETag) {
  DownloadOptions options;
  options.sha256 = "ab12";
  request_.headers.emplace_back("if-none-match", "\"ab12\"");

  const Response response = BlobDownload(request_, *blobs_, "files/a", options);

  EXPECT_EQ(response.status, 304);
  EXPECT_EQ(HeaderOf(response, "ETag"), "\"ab12\"");
}

TEST_F(BlobDownloadTest, MissingBlobIs404) {
  const Response response = BlobDownload(request_, *blobs_, "files/missing");

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body_reader, nullptr);
}

TEST_F(BlobDownloadTest, EmptyBlobIsWholeEvenWithRange) {
  ASSERT_TRUE(blobs_->Put("files/empty", "").has_value());
  request_.headers.emplace_back("range", "bytes=0-");

  const Response response = BlobDownload(request_, *blobs_, "files/empty");

  EXPECT_EQ(response.status, 200);
  ASSERT_NE(response.body_reader, nullptr);
  EXPECT_EQ(response.body_reader->length(), 0);
}

}  // namespace
}  // namespace openlabs::gateway
