#include "services/auth/crypto/base64url.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace openlabs::auth {
namespace {

TEST(Base64UrlDecodeTest, DecodesUnpaddedText) {
  EXPECT_EQ(Base64UrlDecode(""), std::string());
  EXPECT_EQ(Base64UrlDecode("QQ"), "A");
  EXPECT_EQ(Base64UrlDecode("QUI"), "AB");
  EXPECT_EQ(Base64UrlDecode("QUJD"), "ABC");
  EXPECT_EQ(Base64UrlDecode("-_8"), "\xfb\xff");
}

TEST(Base64UrlDecodeTest, RejectsNonCanonicalText) {
  EXPECT_EQ(Base64UrlDecode("QQ=="), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("QR"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Q"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("QU I"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("+/8"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("QUJD\n"), std::nullopt);
}

}  // namespace
}  // namespace openlabs::auth
