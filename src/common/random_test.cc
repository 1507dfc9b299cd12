#include "common/random.h"

#include <gtest/gtest.h>

#include <set>

namespace openlabs {
namespace {

TEST(RandomTest, TokensAreUniqueAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = RandomToken(32);
    EXPECT_EQ(token.size(), 43u);
    EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RandomTest, UuidHasVersionFour) {
  const std::string uuid = NewUuid();
  ASSERT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');
  EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos);
}

TEST(RandomTest, Sha256MatchesKnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace openlabs
