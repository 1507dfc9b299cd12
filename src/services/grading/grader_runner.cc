#include "services/grading/grader_runner.h"

#include <signal.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "services/grading/jvm_options.h"
#include "services/grading/output_compare.h"

namespace openlabs::grading {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uintmax_t kMaxResultsJsonBytes = 16ull << 20;

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Fail(Error::Internal("cannot read " + path.string()));
  }
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string Quote(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) {
    return std::string(text);
  }
  return std::string(text.substr(0, max_chars)) + "\n[truncated]";
}

// Sandbox settings for one run: `cpu_seconds` of CPU and `memory_mb` of address space.
sandbox::Options MakeSandboxOptions(const GraderSpec& spec, const RunnerOptions& options,
                                    const std::filesystem::path& work_dir, double cpu_seconds,
                                    int memory_mb) {
  sandbox::Options sandbox;
  sandbox.bwrap_path = options.bwrap_path;
  sandbox.work_dir = work_dir;
  sandbox.user = options.user;
  sandbox.limits.cpu_seconds = static_cast<int>(std::ceil(cpu_seconds));
  sandbox.limits.memory_bytes = static_cast<uint64_t>(memory_mb) << 20;
  sandbox.limits.max_processes = options.max_processes;
  if (spec.language == "java") {
    JvmLimits jvm = JvmLimitsFor(memory_mb);
    sandbox.limits.memory_bytes = jvm.address_space_bytes;
    sandbox.env = std::move(jvm.env);
    // Debian's JDK keeps its configuration (java.security, logging) under /etc/java-NN-openjdk,
    // which the sandbox does not show by default.
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/etc", error)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("java-") && entry.is_directory(error)) {
        sandbox.binds.push_back({entry.path(), entry.path().string(), false});
      }
    }
  }
  return sandbox;
}

// Twice the CPU limit rounded up, plus 1 s. The sandbox kills at the hard CPU limit, 1 s past the
// rounded-up CPU limit, so a busy program always meets the CPU limit first. The CPU time of a
// sandbox killed at the wall-clock limit is lost with it, so only this order names the CPU limit.
std::chrono::milliseconds WallLimit(double cpu_seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>((std::ceil(cpu_seconds) * 2 + 1) * 1000));
}

// Returns why a finished run counts as failed whatever its output, or an empty string.
std::string RunFailure(const sandbox::RunResult& run, double cpu_limit,
                       std::chrono::milliseconds wall_limit, bool check_exit_code) {
  const sandbox::ExitStatus& status = run.status;
  // The command runs under /bin/sh, which reports a child killed by signal N as exit status
  // 128 + N. At the soft CPU limit the program gets SIGXCPU, at the hard limit SIGKILL. The
  // sandbox also sends SIGKILL at the wall-clock limit, which sets timed_out.
  const bool cpu_signal = status.signal == SIGXCPU || status.exit_code == 128 + SIGXCPU;
  const bool killed = status.signal == SIGKILL || status.exit_code == 128 + SIGKILL;
  if (cpu_signal || status.cpu_seconds > cpu_limit ||
      (!run.timed_out && killed && status.cpu_seconds >= std::floor(cpu_limit))) {
    char text[96];
    std::snprintf(text, sizeof(text), "CPU time limit exceeded (%.1f s of CPU time allowed).",
                  cpu_limit);
    return text;
  }
  if (run.timed_out) {
    char text[160];
    std::snprintf(text, sizeof(text),
                  "Wall-clock time limit exceeded (%.1f s of real time allowed). The program may "
                  "be waiting, for example in sleep or on input.",
                  std::chrono::duration<double>(wall_limit).count());
    return text;
  }
  if (status.signal != 0) {
    return "Killed by signal " + std::to_string(status.signal) + " (" + strsignal(status.signal) +
           ").";
  }
  if (run.stdout_truncated) {
    return "The output is longer than the limit of the grader.";
  }
  if (check_exit_code && status.exit_code != 0) {
    std::string text = "Exited with status " + std::to_string(status.exit_code);
    if (status.exit_code > 128 && status.exit_code < 128 + NSIG) {
      text += std::string(" (killed by signal ") + strsignal(status.exit_code - 128) + ")";
    }
    return text + ".";
  }
  return "";
}

// The sandbox that runs a grader's checker: a copy of the grader as /work and the three files
// of the current test read-only under /check.
struct CheckerSandbox {
  sandbox::WorkDir grader;
  sandbox::WorkDir files;
};

Result<CheckerSandbox> PrepareChecker(const std::filesystem::path& grader_dir,
                                      const sandbox::SandboxUser& user,
                                      const RunnerOptions& options) {
  Result<sandbox::WorkDir> grader = sandbox::WorkDir::Create(user, options.work_parent);
  if (!grader) {
    return Fail(grader.error());
  }
  if (Status copied = grader->CopyFrom(grader_dir); !copied) {
    return Fail(copied.error());
  }
  Result<sandbox::WorkDir> files = sandbox::WorkDir::Create(user, options.work_parent);
  if (!files) {
    return Fail(files.error());
  }
  return CheckerSandbox{std::move(*grader), std::move(*files)};
}

// Runs the checker on one test; its exit status 0 means the test passed. The message is the
// checker's own output.
Result<std::pair<bool, std::string>> RunChecker(const GraderSpec& spec,
                                                const RunnerOptions& options,
                                                CheckerSandbox& checker, const std::string& input,
                                                const std::string& expected,
                                                const std::string& actual) {
  for (const auto& [name, content] : {std::pair{"input", &input}, std::pair{"expected", &expected},
                                      std::pair{"actual", &actual}}) {
    if (Status written = checker.files.WriteFile(name, *content); !written) {
      return Fail(written.error());
    }
  }
  sandbox::Options sandbox =
      MakeSandboxOptions(spec, options, checker.grader.path(), 10, std::max(spec.memory_mb, 256));
  sandbox.binds.push_back({checker.files.path(), "/check", false});
  const std::vector<std::string> command = {
      "/bin/sh",      "-c",           *spec.checker + " \"$1\" \"$2\" \"$3\"",
      "checker",      "/check/input", "/check/expected",
      "/check/actual"};
  sandbox::RunOptions run;
  run.wall_timeout = std::chrono::seconds(30);
  run.max_output_bytes = 64 * 1024;
  Result<sandbox::RunResult> result = sandbox::Run(command, "", sandbox, run);
  if (!result) {
    return Fail(result.error());
  }
  std::string message = result->stdout_text + result->stderr_text;
  if (result->timed_out || result->status.signal != 0) {
    message = "The checker did not finish: " + RunFailure(*result, 10, run.wall_timeout, true) +
              "\n" + message;
  }
  return std::pair{result->status.exit_code == 0, message};
}

TestResult FailedTest(const TestCase& test, std::string output) {
  TestResult result;
  result.name = test.name;
  result.max_score = test.max_score;
  result.visibility = test.hidden ? "hidden" : "visible";
  result.output = std::move(output);
  return result;
}

Result<TestResult> RunTest(const GraderSpec& spec, const RunnerOptions& options,
                           const TestCase& test, const sandbox::WorkDir& submission,
                           CheckerSandbox* checker) {
  Result<std::string> input = ReadFile(test.input);
  if (!input) {
    return Fail(input.error());
  }
  Result<std::string> expected = ReadFile(test.expected);
  if (!expected) {
    return Fail(expected.error());
  }
  const sandbox::Options sandbox =
      MakeSandboxOptions(spec, options, submission.path(), spec.time_limit_s, spec.memory_mb);
  sandbox::RunOptions run;
  run.wall_timeout = WallLimit(spec.time_limit_s);
  run.max_output_bytes = options.max_output_bytes;
  Result<sandbox::RunResult> result =
      sandbox::Run({"/bin/sh", "-c", *spec.run}, *input, sandbox, run);
  if (!result) {
    return Fail(result.error());
  }
  if (std::string failure =
          RunFailure(*result, spec.time_limit_s, run.wall_timeout, spec.check_exit_code);
      !failure.empty()) {
    return FailedTest(
        test, failure + "\nOutput:\n" + Quote(result->stdout_text, options.quoted_output_chars) +
                  (result->stderr_text.empty()
                       ? ""
                       : "\nStandard error:\n" +
                             Quote(result->stderr_text, options.quoted_output_chars)));
  }
  TestResult outcome = FailedTest(test, "");
  if (checker != nullptr) {
    Result<std::pair<bool, std::string>> checked =
        RunChecker(spec, options, *checker, *input, *expected, result->stdout_text);
    if (!checked) {
      return Fail(checked.error());
    }
    outcome.passed = checked->first;
    outcome.output = Quote(checked->second, options.quoted_output_chars);
  } else {
    outcome.passed = OutputsMatch(*expected, result->stdout_text, spec.compare);
  }
  if (outcome.passed) {
    outcome.score = test.max_score;
    return outcome;
  }
  if (!outcome.output.empty()) {
    outcome.output += "\n";
  }
  outcome.output += "Wrong answer (compare: " + std::string(CompareModeName(spec.compare)) +
                    ").\nExpected output:\n" + Quote(*expected, options.quoted_output_chars) +
                    "\nActual output:\n" + Quote(result->stdout_text, options.quoted_output_chars);
  return outcome;
}

// Runs `build` in the submission's sandbox; returns the build log when it failed.
Result<std::optional<std::string>> Build(const GraderSpec& spec, const RunnerOptions& options,
                                         const sandbox::WorkDir& submission) {
  const sandbox::Options sandbox = MakeSandboxOptions(
      spec, options, submission.path(), spec.build_time_limit_s, spec.build_memory_mb);
  sandbox::RunOptions run;
  run.wall_timeout = WallLimit(spec.build_time_limit_s);
  run.max_output_bytes = 256 * 1024;
  Result<sandbox::RunResult> result =
      sandbox::Run({"/bin/sh", "-c", *spec.build}, "", sandbox, run);
  if (!result) {
    return Fail(result.error());
  }
  const std::string failure = RunFailure(*result, spec.build_time_limit_s, run.wall_timeout, true);
  if (failure.empty()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>("The build failed: " + failure + "\n" +
                                    Quote(result->stdout_text + result->stderr_text, 8000));
}

Result<GradeReport> RunTestsGrader(const GraderSpec& spec, const std::filesystem::path& grader_dir,
                                   const std::filesystem::path& submission_dir,
                                   const RunnerOptions& options, const sandbox::SandboxUser& user) {
  GradeReport report;
  for (const TestCase& test : spec.tests) {
    report.max_score += test.max_score;
  }
  Result<sandbox::WorkDir> submission = sandbox::WorkDir::Create(user, options.work_parent);
  if (!submission) {
    return Fail(submission.error());
  }
  if (Status copied = submission->CopyFrom(submission_dir); !copied) {
    return Fail(copied.error());
  }
  if (spec.build) {
    Result<std::optional<std::string>> build_log = Build(spec, options, *submission);
    if (!build_log) {
      return Fail(build_log.error());
    }
    if (*build_log) {
      report.output = **build_log;
      for (const TestCase& test : spec.tests) {
        report.tests.push_back(FailedTest(test, "Not run, because the build failed."));
      }
      return report;
    }
  }
  std::optional<CheckerSandbox> checker;
  if (spec.checker) {
    Result<CheckerSandbox> prepared = PrepareChecker(grader_dir, user, options);
    if (!prepared) {
      return Fail(prepared.error());
    }
    checker = std::move(*prepared);
  }
  for (const TestCase& test : spec.tests) {
    Result<TestResult> result =
        RunTest(spec, options, test, *submission, checker ? &*checker : nullptr);
    if (!result) {
      return Fail(result.error());
    }
    report.score += result->score;
    report.tests.push_back(std::move(*result));
  }
  return report;
}

Result<GradeReport> RunCommandGrader(const GraderSpec& spec,
                                     const std::filesystem::path& grader_dir,
                                     const std::filesystem::path& submission_dir,
                                     const RunnerOptions& options,
                                     const sandbox::SandboxUser& user) {
  Result<sandbox::WorkDir> source = sandbox::WorkDir::Create(user, options.work_parent);
  Result<sandbox::WorkDir> submission = sandbox::WorkDir::Create(user, options.work_parent);
  Result<sandbox::WorkDir> results = sandbox::WorkDir::Create(user, options.work_parent);
  for (const Result<sandbox::WorkDir>* dir : {&source, &submission, &results}) {
    if (!*dir) {
      return Fail(dir->error());
    }
  }
  if (Status copied = source->CopyFrom(grader_dir); !copied) {
    return Fail(copied.error());
  }
  if (Status copied = submission->CopyFrom(submission_dir); !copied) {
    return Fail(copied.error());
  }
  sandbox::Options sandbox =
      MakeSandboxOptions(spec, options, source->path(), spec.command_time_limit_s, spec.memory_mb);
  sandbox.binds.push_back({source->path(), "/autograder/source", true});
  sandbox.binds.push_back({submission->path(), "/autograder/submission", true});
  sandbox.binds.push_back({results->path(), "/autograder/results", true});
  sandbox::RunOptions run;
  run.wall_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(spec.command_time_limit_s * 1000));
  run.max_output_bytes = 256 * 1024;
  Result<sandbox::RunResult> result = sandbox::Run(
      {"/bin/sh", "-c", "cd /autograder/source && " + *spec.command}, "", sandbox, run);
  if (!result) {
    return Fail(result.error());
  }
  GradeReport report;
  const std::string log = Quote(result->stdout_text + result->stderr_text, 8000);
  const std::filesystem::path results_file = results->path() / "results.json";
  std::error_code error;
  if (result->timed_out) {
    report.grader_error = "The grader command did not finish within " +
                          std::to_string(static_cast<int>(spec.command_time_limit_s)) + " s.";
  } else if (!std::filesystem::is_regular_file(results_file, error)) {
    report.grader_error =
        "The grader command wrote no /autograder/results/results.json (exit "
        "status " +
        std::to_string(result->status.exit_code) + ").";
  } else if (std::filesystem::file_size(results_file, error) > kMaxResultsJsonBytes) {
    report.grader_error = "results.json is larger than 16 MiB.";
  } else {
    Result<std::string> text = ReadFile(results_file);
    if (!text) {
      return Fail(text.error());
    }
    const nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
    Result<GradeReport> parsed = json.is_discarded()
                                     ? Fail(Error::InvalidArgument("it is not valid JSON"))
                                     : ReportFromJson(json);
    if (parsed) {
      report = std::move(*parsed);
    } else {
      report.grader_error = "results.json is invalid: " + parsed.error().message;
    }
  }
  if (!report.grader_error.empty()) {
    report.output = log;
  }
  return report;
}

}  // namespace

GradeReport RejectedSubmissionReport(const GraderSpec& spec, const std::string& reason) {
  GradeReport report;
  report.output = reason;
  for (const TestCase& test : spec.tests) {
    report.max_score += test.max_score;
    report.tests.push_back(FailedTest(test, "Not run, because the submission was rejected."));
  }
  return report;
}

Result<GradeReport> RunGrader(const GraderSpec& spec, const std::filesystem::path& grader_dir,
                              const std::filesystem::path& submission_dir,
                              const RunnerOptions& options) {
  const Clock::time_point start = Clock::now();
  // Declared before the work directories, so that it ends after them: the lease's end kills
  // whatever still runs under its uid.
  std::optional<sandbox::SandboxUserLease> lease;
  RunnerOptions job_options = options;
  if (!job_options.user) {
    Result<sandbox::SandboxUserLease> leased =
        sandbox::LeaseSandboxUser(options.uid_block, "openlabs-grading");
    if (!leased) {
      return Fail(leased.error());
    }
    lease.emplace(std::move(*leased));
    job_options.user = lease->user();
  }
  const sandbox::SandboxUser& user = *job_options.user;
  Result<GradeReport> report =
      spec.command ? RunCommandGrader(spec, grader_dir, submission_dir, job_options, user)
                   : RunTestsGrader(spec, grader_dir, submission_dir, job_options, user);
  if (report) {
    report->execution_seconds = SecondsSince(start);
  }
  return report;
}

}  // namespace openlabs::grading
