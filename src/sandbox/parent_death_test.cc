// A sandbox must not outlive the process that started it, even when that process is killed with
// SIGKILL and gets no chance to clean up. Each test starts sandboxes from a forked helper
// process, kills the helper, and scans /proc for processes of the sandbox's uid.
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/sandbox.h"

namespace openlabs::sandbox {
namespace {

using namespace std::chrono_literals;

// A uid that belongs to no account and to no other test process.
uid_t TestUid(int index) {
  return 720000 + static_cast<uid_t>(getpid() % 4096) * 16 + static_cast<uid_t>(index);
}

// The processes whose real uid is `uid`, as "PID STATE COMMAND" lines. Zombies are left out,
// because they run nothing and vanish once their new parent reaps them.
std::vector<std::string> LiveProcessesOf(uid_t uid) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream status(entry.path() / "status");
    std::string line;
    std::string state;
    bool matches = false;
    while (std::getline(status, line)) {
      if (line.starts_with("State:")) {
        std::istringstream(line.substr(6)) >> state;
      } else if (line.starts_with("Uid:")) {
        uid_t real = 0;
        std::istringstream(line.substr(4)) >> real;
        matches = real == uid;
      }
    }
    if (!matches || state == "Z") {
      continue;
    }
    std::string cmdline;
    try {
      std::ifstream cmdline_file(entry.path() / "cmdline");
      cmdline.assign(std::istreambuf_iterator<char>(cmdline_file),
                     std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      continue;  // the process exited during the scan, so reading its cmdline failed with ESRCH
    }
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    found.push_back(pid + " " + state + " " + cmdline.substr(0, 120));
  }
  return found;
}

// Polls for up to three seconds, because the kernel tears down a dead PID namespace
// asynchronously. Returns the survivors of the last scan.
std::vector<std::string> SurvivorsAfterWait(uid_t uid) {
  std::vector<std::string> survivors;
  for (int attempt = 0; attempt < 60; ++attempt) {
    survivors = LiveProcessesOf(uid);
    if (survivors.empty()) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  return survivors;
}

// Kills the survivors, so that a failing test leaves nothing behind for the next one.
void KillSurvivors(const std::vector<std::string>& survivors) {
  for (const std::string& line : survivors) {
    kill(std::stoi(line), SIGKILL);
  }
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    text += line + "\n";
  }
  return text;
}

// Python programs run as the sandboxed command. Each prints "ready" once its children exist.
constexpr const char* kSleeper = "import time\nprint('ready', flush=True)\ntime.sleep(300)";

constexpr const char* kForker =
    "import os, time\n"
    "for _ in range(4):\n"
    "    if os.fork() == 0:\n"
    "        time.sleep(300)\n"
    "        os._exit(0)\n"
    "print('ready', flush=True)\n"
    "time.sleep(300)";

// A daemon in the usual way: fork, setsid, fork again, and the middle process exits, so the
// grandchild is in a session and process group of its own with no parent but the namespace's
// init.
constexpr const char* kDaemonizer =
    "import os, time\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        time.sleep(300)\n"
    "    os._exit(0)\n"
    "os.wait()\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    time.sleep(300)\n"
    "print('ready', flush=True)\n"
    "time.sleep(300)";

// When the helper must signal the test: once the program printed "ready", or right after Spawn
// returns, while bwrap may still be setting up the namespaces.
enum class Moment { kProgramReady, kSpawned };

// Who starts the sandbox: a root helper that switches the sandbox to `uid`, or a helper that
// first drops to `uid` itself, as a server that does not run as root.
enum class Parent { kRoot, kUnprivileged };

// Forks a helper process that starts `program` in a sandbox under `uid` and then waits forever.
// Returns the helper's pid once the moment has come, or -1 when the helper failed first.
pid_t StartHelper(uid_t uid, const std::string& program, Moment moment,
                  Parent parent = Parent::kRoot) {
  int notify[2];
  if (pipe(notify) != 0) {
    return -1;
  }
  const pid_t helper = fork();
  if (helper == 0) {
    close(notify[0]);
    if (parent == Parent::kUnprivileged &&
        (setgroups(0, nullptr) != 0 || setresgid(uid, uid, uid) != 0 ||
         setresuid(uid, uid, uid) != 0)) {
      _exit(4);
    }
    // Dropping from root made the helper non-dumpable, which would leave /proc/PID of its
    // children to root. A server that never was root is dumpable.
    if (parent == Parent::kUnprivileged) {
      prctl(PR_SET_DUMPABLE, 1);
    }
    Options options;
    options.user = SandboxUser{uid, uid, "parent-death-test"};
    options.limits.cpu_seconds = 30;
    Result<std::unique_ptr<Process>> process =
        Spawn({"/usr/bin/python3", "-I", "-S", "-c", program}, options);
    if (!process) {
      const std::string message = process.error().internal + "\n";
      [[maybe_unused]] ssize_t reported = write(2, message.data(), message.size());
      _exit(2);
    }
    if (moment == Moment::kProgramReady) {
      char line[6] = {};
      size_t got = 0;
      while (got < sizeof(line)) {
        const ssize_t part = read((*process)->stdout_fd(), line + got, sizeof(line) - got);
        if (part <= 0) {
          _exit(3);
        }
        got += static_cast<size_t>(part);
      }
    }
    [[maybe_unused]] ssize_t written = write(notify[1], "r", 1);
    // The helper keeps the sandbox running until it is killed. The Process destructor never runs.
    while (true) {
      pause();
    }
  }
  close(notify[1]);
  char byte = 0;
  const ssize_t got = helper > 0 ? read(notify[0], &byte, 1) : -1;
  close(notify[0]);
  if (got != 1) {
    if (helper > 0) {
      kill(helper, SIGKILL);
      waitpid(helper, nullptr, 0);
    }
    return -1;
  }
  return helper;
}

void KillHelper(pid_t helper) {
  kill(helper, SIGKILL);
  int status = 0;
  waitpid(helper, &status, 0);
}

void ExpectNothingSurvivesKilledParent(const std::string& program, int uid_index,
                                       Parent parent = Parent::kRoot) {
  const uid_t uid = TestUid(uid_index);
  const pid_t helper = StartHelper(uid, program, Moment::kProgramReady, parent);
  ASSERT_GT(helper, 0) << "the helper could not start the sandbox";
  EXPECT_FALSE(LiveProcessesOf(uid).empty()) << "the sandbox is not running under uid " << uid;

  KillHelper(helper);
  const std::vector<std::string> survivors = SurvivorsAfterWait(uid);
  EXPECT_TRUE(survivors.empty()) << "still running under uid " << uid << ":\n"
                                 << JoinLines(survivors);
  KillSurvivors(survivors);
}

TEST(SandboxParentDeath, KillsSleepingProgram) { ExpectNothingSurvivesKilledParent(kSleeper, 0); }

TEST(SandboxParentDeath, KillsForkedChildren) { ExpectNothingSurvivesKilledParent(kForker, 1); }

TEST(SandboxParentDeath, KillsSetsidDaemons) { ExpectNothingSurvivesKilledParent(kDaemonizer, 2); }

// The parent dies while bwrap is still setting up the sandbox. bwrap (0.8.0 here) arms
// --die-with-parent in the sandbox's first process only just before executing the command, so a
// parent that died earlier used to leave that process running, blocked and reparented to init.
void ExpectNothingSurvivesEarlyKill(int uid_index, Parent parent) {
  const uid_t uid = TestUid(uid_index);
  std::string survivors_text;
  for (int round = 0; round < 12; ++round) {
    const pid_t helper = StartHelper(uid, kSleeper, Moment::kSpawned, parent);
    ASSERT_GT(helper, 0) << "the helper could not start the sandbox";
    std::this_thread::sleep_for(std::chrono::milliseconds(round % 6 * 2));
    KillHelper(helper);
    const std::vector<std::string> survivors = SurvivorsAfterWait(uid);
    if (!survivors.empty()) {
      survivors_text += "round " + std::to_string(round) + ":\n" + JoinLines(survivors);
      KillSurvivors(survivors);
    }
  }
  EXPECT_TRUE(survivors_text.empty()) << "still running under uid " << uid << ":\n"
                                      << survivors_text;
}

TEST(SandboxParentDeath, KillsSandboxStillStarting) {
  ExpectNothingSurvivesEarlyKill(3, Parent::kRoot);
}

// Without root the sandbox's outer PID namespace needs a user namespace of its own. The helper
// drops from root to a test uid, so the test runs only as root.
TEST(SandboxParentDeath, UnprivilegedParentKillsDaemons) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "switching the helper to a test uid needs root";
  }
  ExpectNothingSurvivesKilledParent(kDaemonizer, 4, Parent::kUnprivileged);
}

TEST(SandboxParentDeath, UnprivilegedParentKillsStartingSandbox) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "switching the helper to a test uid needs root";
  }
  ExpectNothingSurvivesEarlyKill(5, Parent::kUnprivileged);
}

}  // namespace
}  // namespace openlabs::sandbox
