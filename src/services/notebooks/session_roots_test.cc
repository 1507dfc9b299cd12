#include "services/notebooks/session_roots.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace openlabs::notebooks {
namespace {

namespace fs = std::filesystem;

class SessionRootsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    parent_ = fs::temp_directory_path() / ("openlabs-session-roots-" + std::to_string(getpid()));
    fs::remove_all(parent_);
    fs::create_directories(parent_);
  }

  void TearDown() override { fs::remove_all(parent_); }

  // A folder named like a session root, with an owner record when `pid` is not 0.
  fs::path MakeRoot(const std::string& name, pid_t pid, bool with_content) {
    const fs::path root = parent_ / name;
    fs::create_directories(root);
    if (pid != 0) {
      std::ofstream(root / ".owner-pid") << pid << "\n";
    }
    if (with_content) {
      fs::create_directories(root / "kernel-1");
      std::ofstream(root / "kernel-1" / "notebook.py") << "print(1)\n";
    }
    return root;
  }

  // The pid of a child process that has exited and been reaped.
  static pid_t DeadPid() {
    const pid_t child = fork();
    if (child == 0) {
      _exit(0);
    }
    waitpid(child, nullptr, 0);
    return child;
  }

  fs::path parent_;
};

TEST_F(SessionRootsTest, RemovesOnlyRootsOfStoppedServers) {
  const fs::path own = MakeRoot("sessions-own", 0, false);
  ClaimSessionRoot(own);
  const fs::path dead = MakeRoot("sessions-dead", DeadPid(), true);
  const fs::path alive = MakeRoot("sessions-alive", getpid(), true);
  const fs::path empty_unknown = MakeRoot("sessions-legacy", 0, false);
  const fs::path full_unknown = MakeRoot("sessions-unknown", 0, true);
  const fs::path other_name = MakeRoot("other-dead", DeadPid(), true);

  EXPECT_EQ(RemoveStaleSessionRoots(own), 2);

  EXPECT_TRUE(fs::exists(own));
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_FALSE(fs::exists(empty_unknown));
  EXPECT_TRUE(fs::exists(full_unknown));
  EXPECT_TRUE(fs::exists(other_name));
}

TEST_F(SessionRootsTest, ReleaseRemovesRecordAndEmptyRoot) {
  const fs::path root = MakeRoot("sessions-own", 0, false);
  ClaimSessionRoot(root);
  ASSERT_TRUE(fs::exists(root / ".owner-pid"));

  ReleaseSessionRoot(root);

  EXPECT_FALSE(fs::exists(root));
}

TEST_F(SessionRootsTest, ReleaseKeepsRootWithContent) {
  const fs::path root = MakeRoot("sessions-own", 0, true);
  ClaimSessionRoot(root);

  ReleaseSessionRoot(root);

  EXPECT_TRUE(fs::exists(root / "kernel-1"));
  EXPECT_FALSE(fs::exists(root / ".owner-pid"));
}

}  // namespace
}  // namespace openlabs::notebooks
