#include "services/labs/content_type.h"

#include <gtest/gtest.h>

namespace openlabs::labs {
namespace {

TEST(DetectContentTypeTest, ImagesNeedTheirMagicBytes) {
  EXPECT_EQ(DetectContentType(std::string("\x89PNG\r\n\x1a\n....", 12), "x.png"), "image/png");
  EXPECT_EQ(DetectContentType("\xff\xd8\xff\xe0....", "photo.jpg"), "image/jpeg");
  EXPECT_EQ(DetectContentType("GIF89a...", "a.gif"), "image/gif");
  EXPECT_EQ(DetectContentType("RIFF\x10\x00\x00\x00WEBPVP8 ", "a.webp"),
            "application/octet-stream");
  EXPECT_EQ(DetectContentType(std::string("RIFF\x10\x00\x00\x00WEBPVP8 ", 16), "a.webp"),
            "image/webp");
  // A PNG name on something else is not trusted.
  EXPECT_EQ(DetectContentType(std::string("MZ\x90\x00", 4), "x.png"), "application/octet-stream");
  EXPECT_EQ(DetectContentType("<html><script>", "x.png"), "application/octet-stream");
}

TEST(DetectContentTypeTest, ContentWinsOverExtension) {
  EXPECT_EQ(DetectContentType("%PDF-1.7\n", "notes.txt"), "application/pdf");
  EXPECT_EQ(DetectContentType(std::string("\x89PNG\r\n\x1a\n", 8), "data.csv"), "image/png");
}

TEST(DetectContentTypeTest, TextByExtension) {
  EXPECT_EQ(DetectContentType("a,b\n1,2\n", "data.csv"), "text/csv");
  EXPECT_EQ(DetectContentType("print(1)\n", "x.py"), "text/x-python");
  EXPECT_EQ(DetectContentType("{\"a\": 1}", "x.json"), "application/json");
  EXPECT_EQ(DetectContentType("<script>alert(1)</script>", "page.html"), "text/plain");
  EXPECT_EQ(DetectContentType(std::string("a\0b", 3), "data.csv"), "application/octet-stream");
  EXPECT_EQ(DetectContentType("", "empty.csv"), "text/csv");
}

TEST(DetectContentTypeTest, SvgNeedsXmlStart) {
  EXPECT_EQ(DetectContentType("<?xml version=\"1.0\"?><svg", "fig.svg"), "image/svg+xml");
  EXPECT_EQ(DetectContentType("\n<svg xmlns=", "fig.svg"), "image/svg+xml");
  EXPECT_EQ(DetectContentType("not svg", "fig.svg"), "application/octet-stream");
}

TEST(IsInlineContentTypeTest, ImagesPdfAndTextAreInline) {
  EXPECT_TRUE(IsInlineContentType("image/png"));
  EXPECT_TRUE(IsInlineContentType("application/pdf"));
  EXPECT_TRUE(IsInlineContentType("text/csv"));
  EXPECT_FALSE(IsInlineContentType("application/zip"));
  EXPECT_FALSE(IsInlineContentType("application/octet-stream"));
}

}  // namespace
}  // namespace openlabs::labs
