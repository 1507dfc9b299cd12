// Grading jobs and cell syntax checks each run under a uid leased for them alone, so a job that
// exhausts its RLIMIT_NPROC does not stop a concurrent job or check from starting processes.
// Runs the real sandbox, as root only, because only root can switch uids.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "sandbox/uid_lease.h"
#include "services/grading/grader_runner.h"
#include "services/grading/grading_test_support.h"
#include "services/notebooks/sandboxed_syntax_checker.h"

namespace openlabs::grading {
namespace {

using namespace std::chrono_literals;

// A block far from any account's uid, with lease files in a folder of this test process.
sandbox::UidBlock TestBlock(int count) {
  sandbox::UidBlock block;
  block.first = 740000 + static_cast<uid_t>(getpid() % 4096) * 16;
  block.count = count;
  block.lock_dir =
      ::testing::TempDir() + "openlabs-grading-uid-leases-" + std::to_string(getpid());
  return block;
}

// Forks until RLIMIT_NPROC stops it, records how many children it made in /work/saturated,
// keeps them for three seconds and then prints the doubled input.
constexpr const char* kForkBomb = R"(import os, time
children = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children += 1
with open('saturated.tmp', 'w') as marker:
    marker.write(str(children))
os.rename('saturated.tmp', 'saturated')
time.sleep(3)
print(int(input()) * 2)
)";

constexpr const char* kDoubler = "print(int(input()) * 2)\n";

// A Python grader that doubles a number. `run` goes through /bin/sh, and "cat |" makes it start
// two more processes, which fail to start when the uid is out of processes.
void WriteDoubleGrader(const TempFolder& grader, const std::string& run) {
  grader.Write("grader.toml",
               "language = \"python3\"\nrun = \"" + run + "\"\ntime_limit_s = 3\n");
  grader.Write("tests/one.in", "21\n");
  grader.Write("tests/one.out", "42\n");
}

Result<GradeReport> Grade(const TempFolder& grader, const TempFolder& submission,
                          const RunnerOptions& options) {
  Result<GraderSpec> spec = LoadGraderSpec(grader.path());
  if (!spec) {
    return Fail(spec.error());
  }
  return RunGrader(*spec, grader.path(), submission.path(), options);
}

// Returns the fork count that the bomb wrote, or -1 when it wrote none within ten seconds.
int WaitForSaturation(const std::filesystem::path& work_parent) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(work_parent, error)) {
      std::ifstream marker(entry.path() / "saturated");
      int children = -1;
      if (marker >> children) {
        return children;
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  return -1;
}

// The processes whose real uid lies in the block, as "PID UID" lines.
std::vector<std::string> ProcessesInBlock(const sandbox::UidBlock& block) {
  std::vector<std::string> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    std::ifstream status(entry.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (!line.starts_with("Uid:")) {
        continue;
      }
      uid_t uid = 0;
      std::istringstream(line.substr(4)) >> uid;
      if (uid >= block.first && uid < block.first + static_cast<uid_t>(block.count)) {
        found.push_back(entry.path().filename().string() + " " + std::to_string(uid));
      }
    }
  }
  return found;
}

TEST(UidIsolation, ForkBombSparesConcurrentJobAndCheck) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "only root runs sandboxes under leased uids";
  }
  const sandbox::UidBlock block = TestBlock(4);
  TempFolder work_parent;
  // bwrap runs under the job's uid and must pass through the folder to bind a work directory.
  std::filesystem::permissions(work_parent.path(), std::filesystem::perms(0711));
  RunnerOptions options;
  options.uid_block = block;
  options.max_processes = 24;
  options.work_parent = work_parent.path();

  TempFolder bomb_grader;
  WriteDoubleGrader(bomb_grader, "python3 bomb.py");
  TempFolder bomb;
  bomb.Write("bomb.py", kForkBomb);
  std::future<Result<GradeReport>> bombed =
      std::async(std::launch::async, [&] { return Grade(bomb_grader, bomb, options); });
  const int bomb_children = WaitForSaturation(work_parent.path());
  if (bomb_children < 0) {
    Result<GradeReport> failed = bombed.get();
    FAIL() << "the fork bomb did not report: "
           << (failed ? (failed->tests.empty() ? failed->output : failed->tests[0].output)
                      : failed.error().message + " " + failed.error().internal);
  }
  EXPECT_LT(bomb_children, options.max_processes);

  TempFolder grader;
  WriteDoubleGrader(grader, "cat | python3 double.py");
  TempFolder submission;
  submission.Write("double.py", kDoubler);
  Result<GradeReport> report = Grade(grader, submission, options);
  ASSERT_TRUE(report) << report.error().message << " " << report.error().internal;
  ASSERT_EQ(report->tests.size(), 1u);
  EXPECT_TRUE(report->tests[0].passed) << report->tests[0].output;

  std::unique_ptr<notebooks::CellSyntaxChecker> checker =
      notebooks::MakeSandboxedSyntaxChecker(OPENLABS_TEST_KERNEL_DIR, block);
  Result<std::vector<std::optional<std::string>>> errors = checker->Check({"x = 1", "x = = 1"});
  ASSERT_TRUE(errors) << errors.error().message << " " << errors.error().internal;
  ASSERT_EQ(errors->size(), 2u);
  EXPECT_FALSE((*errors)[0]);
  EXPECT_TRUE((*errors)[1]);

  Result<GradeReport> bomb_report = bombed.get();
  ASSERT_TRUE(bomb_report) << bomb_report.error().message << " "
                           << bomb_report.error().internal;
  EXPECT_TRUE(ProcessesInBlock(block).empty()) << "a process outlived its job's lease";
}

TEST(UidIsolation, FullBlockIsRetryableError) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "only root runs sandboxes under leased uids";
  }
  const sandbox::UidBlock block = TestBlock(1);
  Result<sandbox::UidLease> held_lease = sandbox::LeaseUid(block);
  ASSERT_TRUE(held_lease) << held_lease.error().message;
  TempFolder grader;
  WriteDoubleGrader(grader, "python3 double.py");
  TempFolder submission;
  submission.Write("double.py", kDoubler);
  RunnerOptions options;
  options.uid_block = block;

  Result<GradeReport> report = Grade(grader, submission, options);

  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kUnavailable) << report.error().message;
}

}  // namespace
}  // namespace openlabs::grading
