#include "sandbox/sandbox.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace openlabs::sandbox {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";

Options DefaultOptions(const WorkDir& work) {
  Options options;
  options.work_dir = work.path();
  options.limits.cpu_seconds = 10;
  return options;
}

WorkDir MakeWorkDir() {
  Result<WorkDir> work = WorkDir::Create(DefaultSandboxUser());
  EXPECT_TRUE(work.has_value()) << work.error().internal;
  return std::move(*work);
}

RunResult RunPython(const std::string& code, const Options& options,
                    std::chrono::milliseconds timeout = 20s) {
  RunOptions run;
  run.wall_timeout = timeout;
  Result<RunResult> result = sandbox::Run({kPython, "-I", "-S", "-c", code}, "", options, run);
  EXPECT_TRUE(result.has_value()) << result.error().internal;
  return result.value_or(RunResult{});
}

// True when a live process has `token` in its command line.
bool ProcessWithTokenExists(const std::string& token) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline");
    std::stringstream text;
    text << cmdline.rdbuf();
    if (text.str().find(token) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Polls for up to two seconds, because the kernel reaps a dying PID namespace asynchronously.
bool ProcessWithTokenGone(const std::string& token) {
  for (int attempt = 0; attempt < 40; ++attempt) {
    if (!ProcessWithTokenExists(token)) {
      return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(SandboxRun, CapturesOutputAndExitCode) {
  WorkDir work = MakeWorkDir();
  RunResult result = RunPython(
      "import sys, os; print(sys.stdin.read() + '!'); print('err', file=sys.stderr); "
      "print(os.getcwd()); sys.exit(3)",
      DefaultOptions(work));
  EXPECT_EQ(result.status.exit_code, 3);
  EXPECT_EQ(result.stdout_text, "!\n/work\n");
  EXPECT_EQ(result.stderr_text, "err\n");
  EXPECT_FALSE(result.timed_out);
  EXPECT_GT(result.status.peak_memory_bytes, 0u);
}

TEST(SandboxRun, PassesStandardInput) {
  WorkDir work = MakeWorkDir();
  Result<RunResult> result = sandbox::Run({kPython, "-I", "-S", "-c", "print(input()[::-1])"},
                                          "abc\n", DefaultOptions(work));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->stdout_text, "cba\n");
}

TEST(SandboxRun, RunsAsUnprivilegedUser) {
  WorkDir work = MakeWorkDir();
  RunResult result = RunPython("import os; print(os.getuid(), os.getgid())", DefaultOptions(work));
  const SandboxUser user = DefaultSandboxUser();
  EXPECT_EQ(result.stdout_text, std::to_string(user.uid) + " " + std::to_string(user.gid) + "\n");
  EXPECT_NE(user.uid, 0u);
}

TEST(SandboxRun, RefusesConnectionToHostListener) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t length = sizeof(address);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);

  WorkDir work = MakeWorkDir();
  RunResult result = RunPython(
      "import socket\ntry:\n socket.create_connection(('127.0.0.1', " + std::to_string(port) +
          "), timeout=3)\n print('connected')\nexcept OSError as e:\n print(type(e).__name__)",
      DefaultOptions(work));
  EXPECT_EQ(result.stdout_text, "ConnectionRefusedError\n");
  EXPECT_LT(accept(listener, nullptr, nullptr), 0) << "the sandbox reached the host listener";
  close(listener);
}

// A server's client connections and database files are open without O_CLOEXEC. Sandboxed code
// must not inherit them, or it could read and write another user's connection.
TEST(SandboxRun, InheritsOnlyStandardStreams) {
  const int server_socket = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server_socket, 0);
  const int high = fcntl(server_socket, F_DUPFD, 200);
  ASSERT_GE(high, 200);

  WorkDir work = MakeWorkDir();
  RunResult result =
      RunPython("import os\nprint(sorted(int(fd) for fd in os.listdir('/proc/self/fd')))",
                DefaultOptions(work));
  // The fourth descriptor is the one listdir opens to read the folder.
  EXPECT_EQ(result.stdout_text, "[0, 1, 2, 3]\n") << result.stderr_text;
  close(high);
  close(server_socket);
}

TEST(SandboxRun, HidesSecretsAndServerFiles) {
  const std::string data_dir = ::testing::TempDir() + "openlabs-data-secret";
  std::filesystem::create_directories(data_dir);
  std::ofstream(data_dir + "/app.db") << "secret";

  WorkDir work = MakeWorkDir();
  RunResult result = RunPython(
      "import os\nfor p in ['/etc/shadow', '/etc/passwd', '/root', '/work/main', '" + data_dir +
          "/app.db']:\n"
          " try:\n  open(p).read(); print(p, 'read')\n"
          " except OSError as e:\n  print(p, type(e).__name__)",
      DefaultOptions(work));
  EXPECT_NE(result.stdout_text.find("/etc/shadow FileNotFoundError"), std::string::npos)
      << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("/etc/passwd FileNotFoundError"), std::string::npos);
  EXPECT_NE(result.stdout_text.find("/root FileNotFoundError"), std::string::npos);
  EXPECT_NE(result.stdout_text.find("app.db FileNotFoundError"), std::string::npos);
  EXPECT_EQ(result.stdout_text.find(" read"), std::string::npos) << result.stdout_text;
  std::filesystem::remove_all(data_dir);
}

TEST(SandboxRun, AllowsWritesOnlyToWorkAndTmp) {
  WorkDir work = MakeWorkDir();
  RunResult result = RunPython(
      "for p in ['/work/a', '/tmp/b', '/usr/c', '/etc/d', '/e', '/proc/sys/kernel/hostname']:\n"
      " try:\n  open(p, 'w').write('x'); print(p, 'ok')\n"
      " except OSError as e:\n  print(p, 'failed')",
      DefaultOptions(work));
  EXPECT_EQ(result.stdout_text,
            "/work/a ok\n/tmp/b ok\n/usr/c failed\n/etc/d failed\n/e failed\n"
            "/proc/sys/kernel/hostname failed\n");
  EXPECT_TRUE(std::filesystem::exists(work.path() / "a"));
}

TEST(SandboxRun, ContainsForkBomb) {
  WorkDir work = MakeWorkDir();
  Options options = DefaultOptions(work);
  options.limits.max_processes = 32;
  const std::string token = "forkbomb-" + std::to_string(getpid());
  RunResult result = RunPython("import os, time  # " + token +
                                   "\nforks = 0\nfailed = 0\nwhile failed < 50:\n"
                                   " try:\n  pid = os.fork()\n"
                                   " except OSError:\n  failed += 1\n  continue\n"
                                   " if pid == 0:\n  time.sleep(60); os._exit(0)\n"
                                   " forks += 1\nprint('forks', forks, flush=True)\ntime.sleep(60)",
                               options, 5s);
  EXPECT_TRUE(result.timed_out);
  EXPECT_NE(result.stdout_text.find("forks "), std::string::npos) << result.stderr_text;
  const int forks = std::atoi(result.stdout_text.c_str() + 6);
  EXPECT_LT(forks, 32);
  EXPECT_TRUE(ProcessWithTokenGone(token));
}

TEST(SandboxRun, StopsUnboundedAllocation) {
  WorkDir work = MakeWorkDir();
  Options options = DefaultOptions(work);
  options.limits.memory_bytes = 256ull << 20;
  RunResult result =
      RunPython("blocks = []\nwhile True:\n blocks.append(bytearray(10**7))", options);
  EXPECT_EQ(result.status.exit_code, 1);
  EXPECT_NE(result.stderr_text.find("MemoryError"), std::string::npos) << result.stderr_text;
  EXPECT_LT(result.status.peak_memory_bytes, 256ull << 20);
}

TEST(SandboxRun, KillsInfiniteLoopAtCpuLimit) {
  WorkDir work = MakeWorkDir();
  Options options = DefaultOptions(work);
  options.limits.cpu_seconds = 1;
  const auto start = std::chrono::steady_clock::now();
  RunResult result = RunPython("while True: pass", options, 30s);
  EXPECT_FALSE(result.timed_out);
  // bwrap exits with 128 + the signal that killed the command. As PID 1 without a SIGXCPU
  // handler, the command ignores the soft limit and dies of the hard limit's SIGKILL.
  EXPECT_TRUE(result.status.exit_code == 128 + SIGXCPU || result.status.exit_code == 128 + SIGKILL)
      << result.status.exit_code;
  EXPECT_GE(result.status.cpu_seconds, 0.9);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 15s);
}

TEST(SandboxRun, KillsSleeperAtWallTimeout) {
  WorkDir work = MakeWorkDir();
  const auto start = std::chrono::steady_clock::now();
  RunResult result = RunPython("import time; time.sleep(60)", DefaultOptions(work), 1s);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.status.signal, SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(SandboxRun, StopsDiskFillingWrite) {
  WorkDir work = MakeWorkDir();
  Options options = DefaultOptions(work);
  options.limits.max_file_bytes = 1 << 20;
  RunResult result = RunPython(
      "try:\n with open('/work/big', 'wb') as f:\n  f.write(b'x' * (2 << 20))\n"
      "except OSError as e:\n print(e.errno)",
      options);
  EXPECT_EQ(result.stdout_text, "27\n");  // EFBIG
  EXPECT_LE(std::filesystem::file_size(work.path() / "big"), 1u << 20);
}

TEST(SandboxRun, BoundsTmpSize) {
  WorkDir work = MakeWorkDir();
  Options options = DefaultOptions(work);
  options.limits.tmp_bytes = 4 << 20;
  RunResult result = RunPython(
      "import os\ntry:\n for i in range(10):\n  open(f'/tmp/f{i}', 'wb').write(b'x' * (1 << 20))\n"
      "except OSError as e:\n print(e.errno)",
      options);
  EXPECT_EQ(result.stdout_text, "28\n");  // ENOSPC
}

TEST(SandboxRun, KillsBackgroundProcessAtEnd) {
  WorkDir work = MakeWorkDir();
  const std::string token = "orphan-" + std::to_string(getpid());
  RunResult result = RunPython(
      "import subprocess\nsubprocess.Popen(['/usr/bin/python3', '-c', 'import time; "
      "time.sleep(600)  # " +
          token + "'], start_new_session=True)\nprint('started')",
      DefaultOptions(work));
  EXPECT_EQ(result.stdout_text, "started\n");
  EXPECT_TRUE(ProcessWithTokenGone(token));
}

TEST(SandboxSpawn, TalksOverPipesAndDiesWithObject) {
  WorkDir work = MakeWorkDir();
  const std::string token = "kernel-" + std::to_string(getpid());
  {
    Result<std::unique_ptr<Process>> process =
        Spawn({kPython, "-I", "-S", "-u", "-c",
               "import sys  # " + token + "\nfor line in sys.stdin: print(line.upper(), end='')"},
              DefaultOptions(work));
    ASSERT_TRUE(process.has_value()) << process.error().internal;
    ASSERT_TRUE((*process)->WriteStdin("hello\n").has_value());
    char buffer[16] = {};
    ASSERT_EQ(read((*process)->stdout_fd(), buffer, 6), 6);
    EXPECT_STREQ(buffer, "HELLO\n");
    EXPECT_FALSE((*process)->TryWait().has_value());
    EXPECT_TRUE(ProcessWithTokenExists(token));
  }
  EXPECT_TRUE(ProcessWithTokenGone(token));
}

TEST(SandboxSpawn, ReportsMissingBwrap) {
  Options options;
  options.bwrap_path = "/nonexistent/bwrap";
  Result<std::unique_ptr<Process>> process = Spawn({kPython}, options);
  ASSERT_FALSE(process.has_value());
  EXPECT_NE(process.error().internal.find("bubblewrap"), std::string::npos);
}

}  // namespace
}  // namespace openlabs::sandbox
