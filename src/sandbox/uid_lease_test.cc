#include "sandbox/uid_lease.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

namespace openlabs::sandbox {
namespace {

// A block far from any account's uid, with lease files in a directory of this test process.
UidBlock TestBlock(int count) {
  UidBlock block;
  block.first = 700000 + static_cast<uid_t>(getpid() % 4096) * 16;
  block.count = count;
  block.lock_dir = ::testing::TempDir() + "openlabs-uid-leases-" + std::to_string(getpid());
  return block;
}

TEST(UidLease, LeasesDistinctUidsUntilBlockFull) {
  const UidBlock block = TestBlock(2);
  Result<UidLease> first = LeaseUid(block);
  ASSERT_TRUE(first) << first.error().message;
  Result<UidLease> second = LeaseUid(block);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(first->uid(), block.first);
  EXPECT_EQ(second->uid(), block.first + 1);

  Result<UidLease> third = LeaseUid(block);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kUnavailable);
}

TEST(UidLease, EndedLeaseFreesUid) {
  const UidBlock block = TestBlock(1);
  std::optional<UidLease> held;
  {
    Result<UidLease> lease = LeaseUid(block);
    ASSERT_TRUE(lease) << lease.error().message;
    held.emplace(std::move(*lease));
  }
  EXPECT_FALSE(LeaseUid(block));
  held.reset();
  Result<UidLease> again = LeaseUid(block);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->uid(), block.first);
}

TEST(UidLease, OtherProcessSeesLeaseAsTaken) {
  const UidBlock block = TestBlock(1);
  Result<UidLease> lease = LeaseUid(block);
  ASSERT_TRUE(lease) << lease.error().message;
  const pid_t child = fork();
  if (child == 0) {
    // The forked child shares this process's descriptor, but LeaseUid opens the lock file
    // anew, as another process would, so it must find the uid taken.
    _exit(LeaseUid(block) ? 1 : 0);
  }
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child leased a uid that this process holds";
}

TEST(UidLease, BlockWithAccountUidIsRejected) {
  UidBlock block = TestBlock(1);
  EXPECT_TRUE(CheckUidBlock(block));
  block.first = 0;  // root's uid
  EXPECT_FALSE(CheckUidBlock(block));
}

}  // namespace
}  // namespace openlabs::sandbox
