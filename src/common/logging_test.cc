#include "common/logging.h"

#include <gtest/gtest.h>

#include <string>

namespace openlabs::logging {
namespace {

TEST(EscapeInvalidUtf8, KeepsValidText) {
  EXPECT_EQ(EscapeInvalidUtf8("GET /api/v1/labs 200"), "GET /api/v1/labs 200");
  // Two-, three- and four-byte sequences: é, €, U+10FFFF.
  const std::string valid = "caf\xC3\xA9 \xE2\x82\xAC \xF4\x8F\xBF\xBF";
  EXPECT_EQ(EscapeInvalidUtf8(valid), valid);
}

TEST(EscapeInvalidUtf8, EscapesStrayBytes) {
  EXPECT_EQ(EscapeInvalidUtf8("/labs/\xFF\xFE"), "/labs/\\xFF\\xFE");
  EXPECT_EQ(EscapeInvalidUtf8("a\x80z"), "a\\x80z");
}

TEST(EscapeInvalidUtf8, EscapesTruncatedSequence) {
  // The first two bytes of €, cut off at the end of the text.
  EXPECT_EQ(EscapeInvalidUtf8("x\xE2\x82"), "x\\xE2\\x82");
}

TEST(EscapeInvalidUtf8, EscapesOverlongAndSurrogates) {
  EXPECT_EQ(EscapeInvalidUtf8("\xC0\xAF"), "\\xC0\\xAF");          // overlong "/"
  EXPECT_EQ(EscapeInvalidUtf8("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // U+D800
  EXPECT_EQ(EscapeInvalidUtf8("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
}

}  // namespace
}  // namespace openlabs::logging
