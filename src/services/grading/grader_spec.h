// The grader folder format: `grader.toml` plus, for stdin/stdout graders, `tests/NAME.in` and
// `tests/NAME.out` pairs (NAME may contain sub-folders, such as "blackbox/1").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace openlabs::grading {

// How a test's actual output is compared with the expected output when no checker is set.
enum class CompareMode {
  kExact,       // byte for byte
  kWhitespace,  // trailing spaces of each line and trailing empty lines are ignored
  kTokens,      // the sequences of whitespace-separated tokens must be equal
};

// One stdin/stdout test case found under tests/.
struct TestCase {
  std::string name;  // the path under tests/ without ".in", e.g. "blackbox/1"
  std::filesystem::path input;
  std::filesystem::path expected;
  bool hidden = false;
  double max_score = 1;
};

// The parsed grader.toml with its discovered tests.
//
// A grader is of one of two kinds. A stdin/stdout grader sets `run` (and optionally `build` and
// `checker`) and has test files. A command grader sets `command`, which runs with the grader at
// /autograder/source and the submission at /autograder/submission and writes
// /autograder/results/results.json in Gradescope's format.
struct GraderSpec {
  std::string language;  // "python3", "c" or "java"; empty when not given
  std::optional<std::string> build;
  std::optional<std::string> run;
  std::optional<std::string> command;
  std::optional<std::string> checker;
  CompareMode compare = CompareMode::kWhitespace;
  // A test whose program exits with a non-zero status fails unless this is false.
  bool check_exit_code = true;
  // CPU seconds per test run. The wall-clock limit is twice this rounded up, plus 1 s.
  double time_limit_s = 2;
  // Address space per process. A Java run gets the JVM flags that keep its memory within this
  // instead, and a larger address space (see jvm_options.h).
  int memory_mb = 256;
  double build_time_limit_s = 60;
  int build_memory_mb = 1024;
  double command_time_limit_s = 300;  // wall-clock limit of a command grader
  std::vector<std::string> hidden_patterns;
  std::vector<TestCase> tests;
};

// Reads `dir`/grader.toml and lists the tests. Every problem is reported at once as a
// kValidationFailed error whose details name the key or file at fault.
Result<GraderSpec> LoadGraderSpec(const std::filesystem::path& dir);

// True when `name` matches the glob `pattern`, where `*` matches any run of characters and `?`
// one character.
bool MatchesGlob(std::string_view pattern, std::string_view name);

// The name of a compare mode as written in grader.toml.
const char* CompareModeName(CompareMode mode);

}  // namespace openlabs::grading
