#include "common/rate_limiter.h"

#include <gtest/gtest.h>

namespace openlabs {
namespace {

TEST(RateLimiterTest, BlocksAfterLimitUntilWindowEnds) {
  RateLimiter limiter(3, 60);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(limiter.RetryAfter("ada", 1000));
    limiter.Record("ada", 1000);
  }
  std::optional<int> retry = limiter.RetryAfter("ada", 1010);
  ASSERT_TRUE(retry);
  EXPECT_EQ(*retry, 50);
  EXPECT_FALSE(limiter.RetryAfter("ada", 1060));
}

TEST(RateLimiterTest, KeysAreIndependent) {
  RateLimiter limiter(1, 60);
  limiter.Record("ada", 1000);
  EXPECT_TRUE(limiter.RetryAfter("ada", 1000));
  EXPECT_FALSE(limiter.RetryAfter("bob", 1000));
}

TEST(RateLimiterTest, ResetClearsKey) {
  RateLimiter limiter(1, 60);
  limiter.Record("ada", 1000);
  limiter.Reset("ada");
  EXPECT_FALSE(limiter.RetryAfter("ada", 1000));
}

}  // namespace
}  // namespace openlabs
