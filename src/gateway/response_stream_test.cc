#include "gateway/response_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace openlabs::gateway {
namespace {

TEST(ServerSentEventTest, WritesOneDataLinePerLine) {
  EXPECT_EQ(ServerSentEvent("delta", "{\"text\":\"a\"}"), "event: delta\ndata: {\"text\":\"a\"}\n\n");
  EXPECT_EQ(ServerSentEvent("note", "one\ntwo"), "event: note\ndata: one\ndata: two\n\n");
}

TEST(ResponseStreamTest, TakesWrittenBytesThenClose) {
  ResponseStream stream;
  int notices = 0;
  stream.SetNotifier([&notices] { ++notices; });
  EXPECT_TRUE(stream.Write("ab"));
  EXPECT_TRUE(stream.Write("cd"));
  std::string data;
  bool closed = true;
  stream.Take(data, closed);
  EXPECT_EQ(data, "abcd");
  EXPECT_FALSE(closed);

  stream.Close();
  EXPECT_FALSE(stream.Write("late"));
  stream.Take(data, closed);
  EXPECT_EQ(data, "");
  EXPECT_TRUE(closed);
  EXPECT_EQ(notices, 3);
}

TEST(ResponseStreamTest, CancelWakesBlockedWriter) {
  ResponseStream stream;
  ASSERT_TRUE(stream.Write(std::string(ResponseStream::kMaxPendingBytes + 1, 'x')));
  std::atomic<bool> finished = false;
  bool accepted = true;
  std::thread writer([&] {
    accepted = stream.Write("more");  // blocks: too many bytes are queued
    finished = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(finished.load());
  stream.Cancel();
  writer.join();
  EXPECT_FALSE(accepted);
  EXPECT_TRUE(stream.cancelled());
}

}  // namespace
}  // namespace openlabs::gateway
