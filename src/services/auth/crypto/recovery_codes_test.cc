#include "services/auth/crypto/recovery_codes.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace openlabs::auth {
namespace {

TEST(GenerateRecoveryCodesTest, ReturnsTenByDefault) {
  EXPECT_EQ(GenerateRecoveryCodes().size(), 10u);
}

TEST(GenerateRecoveryCodesTest, ReturnsRequestedCount) {
  EXPECT_EQ(GenerateRecoveryCodes(3).size(), 3u);
  EXPECT_TRUE(GenerateRecoveryCodes(0).empty());
  EXPECT_TRUE(GenerateRecoveryCodes(-1).empty());
}

TEST(GenerateRecoveryCodesTest, UsesGroupedCrockfordAlphabet) {
  const std::regex format("^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$");
  for (const std::string& code : GenerateRecoveryCodes(50)) {
    EXPECT_TRUE(std::regex_match(code, format)) << code;
  }
}

TEST(GenerateRecoveryCodesTest, CodesAreDistinct) {
  const std::vector<std::string> codes = GenerateRecoveryCodes(200);
  const std::set<std::string> unique(codes.begin(), codes.end());

  EXPECT_EQ(unique.size(), codes.size());
}

TEST(GenerateRecoveryCodesTest, UsesEverySymbol) {
  // 2,400 symbols drawn uniformly from 32 miss one with probability below 1e-30.
  std::set<char> seen;
  for (const std::string& code : GenerateRecoveryCodes(200)) {
    for (const char c : code) {
      if (c != '-') {
        seen.insert(c);
      }
    }
  }
  EXPECT_EQ(seen.size(), 32u);
}

TEST(NormalizeRecoveryCodeTest, FoldsCaseSeparatorsAndLookalikes) {
  EXPECT_EQ(NormalizeRecoveryCode("AB12-cd34-EF56"), "ab12cd34ef56");
  EXPECT_EQ(NormalizeRecoveryCode(" ab12 cd34\tef56\n"), "ab12cd34ef56");
  EXPECT_EQ(NormalizeRecoveryCode("OoIiLl"), "001111");
}

TEST(HashRecoveryCodeTest, IsSha256HexOfNormalizedCode) {
  const std::string hash = HashRecoveryCode("ab12-cd34-ef56");

  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  // sha256("ab12cd34ef56"), computed with coreutils' sha256sum.
  EXPECT_EQ(hash, "d8de14bc62a592ef3d909da07d86d1833561228ccaa1b8e48fdf29c7ca88d5f2");
}

TEST(HashRecoveryCodeTest, MatchesTypedVariants) {
  const std::string stored = HashRecoveryCode("0a1b-c2d3-e4f5");

  EXPECT_EQ(HashRecoveryCode("0A1B-C2D3-E4F5"), stored);
  EXPECT_EQ(HashRecoveryCode("0a1bc2d3e4f5"), stored);
  EXPECT_EQ(HashRecoveryCode("oa1b c2d3 e4f5"), stored);
  EXPECT_EQ(HashRecoveryCode("0alb-c2d3-e4f5"), stored);
}

TEST(HashRecoveryCodeTest, DiffersForOtherCodes) {
  EXPECT_NE(HashRecoveryCode("0a1b-c2d3-e4f5"), HashRecoveryCode("0a1b-c2d3-e4f6"));
}

}  // namespace
}  // namespace openlabs::auth
