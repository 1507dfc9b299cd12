#include "services/notebooks/stream_cap.h"

#include <gtest/gtest.h>

namespace openlabs::notebooks {
namespace {

TEST(StreamCap, KeepsTextBelowLimit) {
  StreamCap cap;
  EXPECT_EQ(cap.Take("hello\n"), "hello\n");
  EXPECT_FALSE(cap.truncated());
}

TEST(StreamCap, CutsAtLimitWithMarker) {
  StreamCap cap;
  const std::string first(kMaxStreamBytesPerRun - 3, 'a');
  EXPECT_EQ(cap.Take(first), first);
  const std::string kept = cap.Take("bcdef");
  EXPECT_EQ(kept, "bcd" + std::string(kStreamTruncatedMarker));
  EXPECT_TRUE(cap.truncated());
  EXPECT_EQ(cap.Take("more"), "");
}

TEST(StreamCap, CutsBeforeSplitCharacter) {
  StreamCap cap;
  cap.Take(std::string(kMaxStreamBytesPerRun - 1, 'a'));
  // "é" is two bytes, so only its first byte would fit: the cut keeps neither.
  EXPECT_EQ(cap.Take("\xC3\xA9"), std::string(kStreamTruncatedMarker));
}

TEST(StreamCap, ResetStartsNewRun) {
  StreamCap cap;
  cap.Take(std::string(kMaxStreamBytesPerRun + 1, 'a'));
  ASSERT_TRUE(cap.truncated());
  cap.Reset();
  EXPECT_FALSE(cap.truncated());
  EXPECT_EQ(cap.Take("x"), "x");
}

}  // namespace
}  // namespace openlabs::notebooks
