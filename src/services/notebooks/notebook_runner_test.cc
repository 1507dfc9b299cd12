#include "services/notebooks/notebook_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "sandbox/uid_lease.h"
#include "services/notebooks/stream_cap.h"
#include "services/notebooks/test_notebook.h"

namespace openlabs::notebooks {
namespace {

RunOptions TestOptions() {
  RunOptions options;
  options.kernel_dir = OPENLABS_TEST_KERNEL_DIR;
  options.cell_cpu_seconds = 2;
  options.cell_wall_seconds = 10;
  options.total_timeout = std::chrono::seconds(120);
  options.limits.max_processes = 32;
  options.limits.max_file_bytes = 1 << 20;
  return options;
}

NotebookReport RunCells(const std::vector<std::string>& cells,
                        const RunOptions& options = TestOptions()) {
  Result<NotebookReport> report = RunNotebook(Notebook(cells), options);
  EXPECT_TRUE(report.has_value()) << report.error().internal;
  return report.value_or(NotebookReport{});
}

TEST(NotebookRunner, RunsCellsInDependencyOrder) {
  NotebookReport report = RunCells({"print(y + 1)", "y = x * 2", "x = 20"});
  ASSERT_EQ(report.cells.size(), 3u);
  EXPECT_TRUE(report.Succeeded()) << FormatText(report);
  EXPECT_EQ(report.cells[0].stdout_text, "41\n");
}

TEST(NotebookRunner, ReportsExceptionWithTraceback) {
  NotebookReport report = RunCells({"x = 1", "1 / 0"});
  EXPECT_FALSE(report.Succeeded());
  EXPECT_EQ(report.cells[0].status, "done");
  EXPECT_EQ(report.cells[1].status, "error");
  EXPECT_NE(report.cells[1].traceback.find("ZeroDivisionError"), std::string::npos);
}

TEST(NotebookRunner, RejectsFileThatIsNotNotebook) {
  Result<NotebookReport> report = RunNotebook("print('hi')\n", TestOptions());
  ASSERT_TRUE(report.has_value());
  EXPECT_FALSE(report->Succeeded());
  EXPECT_NE(report->kernel_error.find("not a marimo notebook"), std::string::npos);
}

TEST(NotebookRunner, CopiesAssetsIntoWorkDir) {
  const std::filesystem::path assets = ::testing::TempDir() + "notebook-assets";
  std::filesystem::create_directories(assets);
  std::ofstream(assets / "data.csv") << "a,b\n1,2\n";
  RunOptions options = TestOptions();
  options.assets_dir = assets;
  NotebookReport report = RunCells({"print(open('data.csv').read().split()[1])"}, options);
  EXPECT_TRUE(report.Succeeded()) << FormatText(report);
  EXPECT_EQ(report.cells[0].stdout_text, "1,2\n");
  std::filesystem::remove_all(assets);
}

// Each hostile cell must end in an error (or be contained) while the next cell still runs.
TEST(NotebookRunnerSecurity, HostileCellsStoppedAndKernelSurvives) {
  NotebookReport report = RunCells({
      "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)",
      "open('/etc/shadow').read()",
      "open('/usr/evil', 'w')",
      "import os\nchildren = 0\nwhile True:\n    pid = os.fork()\n    if pid == 0:\n        import "
      "time; time.sleep(2); os._exit(0)\n"
      "    children += 1",
      "blocks = []\nwhile True:\n    blocks.append(bytearray(10**7))",
      "while True:\n    pass",
      "with open('big', 'wb') as f:\n    f.write(b'x' * (2 << 20))",
      "print('still alive')",
  });
  ASSERT_EQ(report.cells.size(), 8u) << FormatText(report);
  // The endless loop stops at its CPU limit, or at the wall limit first on a loaded machine, where
  // the loop gets only a share of a core. Both messages name a "time limit".
  const char* expected_errors[] = {"ConnectionRefusedError", "FileNotFoundError", "OSError",
                                   "BlockingIOError",        "MemoryError",       "time limit",
                                   "File too large"};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(report.cells[i].status, "error") << "cell " << i << "\n" << FormatText(report);
    EXPECT_NE(report.cells[i].error_message.find(expected_errors[i]), std::string::npos)
        << "cell " << i << ": " << report.cells[i].error_message;
  }
  EXPECT_EQ(report.cells[7].status, "done");
  EXPECT_EQ(report.cells[7].stdout_text, "still alive\n");
}

TEST(NotebookRunner, TruncatesStdoutAfterOneMebibyte) {
  NotebookReport report =
      RunCells({"for _i in range(3000):\n    print('x' * 999)", "print('next cell')"});
  ASSERT_EQ(report.cells.size(), 2u);
  const std::string& printed = report.cells[0].stdout_text;
  EXPECT_EQ(printed.size(), kMaxStreamBytesPerRun + kStreamTruncatedMarker.size());
  EXPECT_TRUE(printed.ends_with(kStreamTruncatedMarker));
  EXPECT_EQ(report.cells[0].status, "done");
  EXPECT_EQ(report.cells[1].stdout_text, "next cell\n");
}

TEST(NotebookRunner, RunsUnderLeasedUid) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "only root can run the kernel under another uid";
  }
  sandbox::UidBlock block;
  block.first = 710000 + static_cast<uid_t>(getpid() % 4096) * 16;
  block.count = 4;
  block.lock_dir = ::testing::TempDir() + "openlabs-run-uids-" + std::to_string(getpid());
  Result<sandbox::UidLease> lease = sandbox::LeaseUid(block);
  ASSERT_TRUE(lease) << lease.error().message;
  RunOptions options = TestOptions();
  options.user = sandbox::SandboxUser{lease->uid(), lease->uid(), "openlabs-run"};
  NotebookReport report = RunCells({"import os\nprint(os.getuid(), os.getgid())"}, options);
  ASSERT_EQ(report.cells.size(), 1u);
  const std::string uid = std::to_string(lease->uid());
  EXPECT_EQ(report.cells[0].stdout_text, uid + " " + uid + "\n") << FormatText(report);
}

TEST(NotebookRunnerSecurity, WallTimeoutStopsSleeper) {
  RunOptions options = TestOptions();
  options.cell_wall_seconds = 1;
  NotebookReport report = RunCells({"import time\ntime.sleep(60)", "print('after')"}, options);
  EXPECT_EQ(report.cells[0].status, "error");
  EXPECT_EQ(report.cells[0].error_kind, "timeout");
  EXPECT_EQ(report.cells[1].stdout_text, "after\n");
}

}  // namespace
}  // namespace openlabs::notebooks
