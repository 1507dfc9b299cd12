#include "services/grading/grader_runner.h"

#include <gtest/gtest.h>

#include "services/grading/grading_test_support.h"

namespace openlabs::grading {
namespace {

constexpr const char* kAddProgram = R"(#include <stdio.h>
int main(void) {
  long a, b;
  if (scanf("%ld %ld", &a, &b) != 2) return 3;
  printf("%ld\n", a + b);
  return 0;
}
)";

// Writes a C grader that adds two numbers, with tests "small", "large" and "hidden/negative".
void WriteAddGrader(const TempFolder& grader, const std::string& extra = "") {
  grader.Write("grader.toml",
               "language = \"c\"\nbuild = \"gcc -O1 -o add add.c\"\nrun = \"./add\"\n"
               "time_limit_s = 1\nmemory_mb = 64\nhidden = [\"hidden/*\"]\n" +
                   extra);
  grader.Write("tests/small.in", "1 2\n");
  grader.Write("tests/small.out", "3\n");
  grader.Write("tests/large.in", "4000000000 1\n");
  grader.Write("tests/large.out", "4000000001\n");
  grader.Write("tests/hidden/negative.in", "-5 2\n");
  grader.Write("tests/hidden/negative.out", "-3\n");
}

GradeReport Grade(const TempFolder& grader, const TempFolder& submission) {
  Result<GraderSpec> spec = LoadGraderSpec(grader.path());
  EXPECT_TRUE(spec.has_value()) << (spec ? "" : spec.error().details.front().message);
  if (!spec) {
    return {};
  }
  Result<GradeReport> report = RunGrader(*spec, grader.path(), submission.path());
  EXPECT_TRUE(report.has_value()) << (report ? "" : report.error().internal);
  return report.value_or(GradeReport{});
}

const TestResult* FindTest(const GradeReport& report, const std::string& name) {
  for (const TestResult& test : report.tests) {
    if (test.name == name) {
      return &test;
    }
  }
  return nullptr;
}

TEST(RunGrader, CorrectProgramPassesEveryTest) {
  TempFolder grader;
  WriteAddGrader(grader);
  TempFolder submission;
  submission.Write("add.c", kAddProgram);

  const GradeReport report = Grade(grader, submission);

  ASSERT_EQ(report.tests.size(), 3u);
  EXPECT_EQ(CountPassed(report), 3);
  EXPECT_DOUBLE_EQ(report.score, 3);
  EXPECT_DOUBLE_EQ(report.max_score, 3);
  const TestResult* hidden = FindTest(report, "hidden/negative");
  ASSERT_NE(hidden, nullptr);
  EXPECT_EQ(hidden->visibility, "hidden");
}

TEST(RunGrader, WrongAnswerFailsWithExpectedAndActual) {
  TempFolder grader;
  WriteAddGrader(grader);
  TempFolder submission;
  // int overflows on the large test.
  submission.Write("add.c",
                   "#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);"
                   "printf(\"%d\\n\",a+b);return 0;}\n");

  const GradeReport report = Grade(grader, submission);

  const TestResult* large = FindTest(report, "large");
  ASSERT_NE(large, nullptr);
  EXPECT_FALSE(large->passed);
  EXPECT_NE(large->output.find("Wrong answer"), std::string::npos);
  EXPECT_NE(large->output.find("4000000001"), std::string::npos);
  EXPECT_TRUE(FindTest(report, "small")->passed);
  EXPECT_DOUBLE_EQ(report.score, 2);
}

TEST(RunGrader, BuildFailureFailsEveryTest) {
  TempFolder grader;
  WriteAddGrader(grader);
  TempFolder submission;
  submission.Write("add.c", "int main( { return 0; }\n");

  const GradeReport report = Grade(grader, submission);

  EXPECT_EQ(report.tests.size(), 3u);
  EXPECT_EQ(CountPassed(report), 0);
  EXPECT_NE(report.output.find("The build failed"), std::string::npos);
  EXPECT_NE(report.output.find("error"), std::string::npos);
}

TEST(RunGrader, EndlessLoopHitsTimeLimit) {
  // One test with a short limit, because each run of the loop lasts until the limit.
  TempFolder grader;
  grader.Write("grader.toml",
               "build = \"gcc -o add add.c\"\nrun = \"./add\"\ntime_limit_s = 0.5\n");
  grader.Write("tests/small.in", "1 2\n");
  grader.Write("tests/small.out", "3\n");
  TempFolder submission;
  submission.Write("add.c", "int main(void) { for (;;) {} }\n");

  const GradeReport report = Grade(grader, submission);

  const TestResult* small = FindTest(report, "small");
  ASSERT_NE(small, nullptr);
  EXPECT_FALSE(small->passed);
  EXPECT_NE(small->output.find("CPU time limit exceeded (0.5 s"), std::string::npos)
      << small->output;
}

TEST(RunGrader, SleepHitsWallClockLimit) {
  TempFolder grader;
  grader.Write("grader.toml",
               "language = \"python3\"\nrun = \"python3 main.py\"\n"
               "time_limit_s = 0.5\n");
  grader.Write("tests/small.in", "");
  grader.Write("tests/small.out", "done\n");
  TempFolder submission;
  submission.Write("main.py", "import time\ntime.sleep(1000)\nprint('done')\n");

  const GradeReport report = Grade(grader, submission);

  const TestResult* small = FindTest(report, "small");
  ASSERT_NE(small, nullptr);
  EXPECT_FALSE(small->passed);
  // The wall-clock limit is twice the CPU limit rounded up, plus 1 s.
  EXPECT_NE(small->output.find("Wall-clock time limit exceeded (3.0 s of real time allowed"),
            std::string::npos)
      << small->output;
  EXPECT_EQ(small->output.find("CPU time limit"), std::string::npos) << small->output;
}

TEST(RunGrader, CrashAndExitStatusFail) {
  TempFolder grader;
  WriteAddGrader(grader);
  TempFolder submission;
  submission.Write("add.c",
                   "#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
                   "printf(\"%ld\\n\",a+b);if(a<0){int*p=0;return *p;}return 1;}\n");

  const GradeReport report = Grade(grader, submission);

  EXPECT_NE(FindTest(report, "small")->output.find("Exited with status 1"), std::string::npos);
  EXPECT_NE(FindTest(report, "hidden/negative")->output.find("signal"), std::string::npos);
  EXPECT_EQ(CountPassed(report), 0);
}

TEST(RunGrader, CheckerDecidesEachTest) {
  TempFolder grader;
  // The checker accepts any output whose first number is the expected one.
  WriteAddGrader(grader, "checker = \"python3 check.py\"\n");
  grader.Write("check.py",
               "import sys\nexpected = open(sys.argv[2]).read().split()[0]\n"
               "actual = open(sys.argv[3]).read().split()\n"
               "ok = bool(actual) and actual[0] == expected\n"
               "print('match' if ok else 'no match')\nsys.exit(0 if ok else 1)\n");
  TempFolder submission;
  submission.Write("add.c",
                   "#include <stdio.h>\nint main(void){long a,b;scanf(\"%ld %ld\",&a,&b);"
                   "printf(\"%ld is the sum\\n\",a+b);return a<0 ? 0 : 0;}\n");

  const GradeReport report = Grade(grader, submission);

  EXPECT_EQ(CountPassed(report), 3);
  EXPECT_NE(FindTest(report, "small")->output.find("match"), std::string::npos);
}

TEST(RunGrader, CommandGraderWritesResultsJson) {
  TempFolder grader;
  grader.Write("grader.toml", "language = \"python3\"\ncommand = \"python3 run_tests.py\"\n");
  grader.Write("run_tests.py", R"(import json, subprocess
source = open('/autograder/submission/solution.py').read()
namespace = {}
exec(source, namespace)
tests = []
for name, args, want in [('one', (1, 2), 3), ('two', (2, 2), 4)]:
    got = namespace['add'](*args)
    tests.append({'name': name, 'score': 1 if got == want else 0, 'max_score': 1,
                  'output': f'add{args} = {got}', 'visibility': 'visible'})
json.dump({'tests': tests}, open('/autograder/results/results.json', 'w'))
)");
  TempFolder submission;
  submission.Write("solution.py", "def add(a, b):\n    return a + b if a != 2 else 0\n");

  const GradeReport report = Grade(grader, submission);

  EXPECT_TRUE(report.grader_error.empty()) << report.grader_error << report.output;
  ASSERT_EQ(report.tests.size(), 2u);
  EXPECT_TRUE(report.tests[0].passed);
  EXPECT_FALSE(report.tests[1].passed);
  EXPECT_DOUBLE_EQ(report.score, 1);
}

TEST(RunGrader, CommandGraderWithoutResultsIsGraderError) {
  TempFolder grader;
  grader.Write("grader.toml", "command = \"echo forgot the results\"\n");
  TempFolder submission;

  const GradeReport report = Grade(grader, submission);

  EXPECT_NE(report.grader_error.find("results.json"), std::string::npos);
  EXPECT_NE(report.output.find("forgot the results"), std::string::npos);
}

constexpr const char* kJavaSumProgram = R"(import java.util.Scanner;
public class Main {
  public static void main(String[] args) {
    Scanner in = new Scanner(System.in);
    long sum = 0;
    while (in.hasNextLong()) {
      sum += in.nextLong();
    }
    System.out.println(sum);
  }
}
)";

// Writes a Java grader with the given memory limit and tests "small" and "large".
void WriteJavaSumGrader(const TempFolder& grader, int memory_mb) {
  grader.Write("grader.toml",
               "language = \"java\"\nbuild = \"javac *.java\"\n"
               "run = \"java Main\"\ntime_limit_s = 10\nmemory_mb = " +
                   std::to_string(memory_mb) + "\n");
  grader.Write("tests/small.in", "1 2\n");
  grader.Write("tests/small.out", "3\n");
  grader.Write("tests/large.in", "4000000000 1 -7\n");
  grader.Write("tests/large.out", "3999999994\n");
}

TEST(RunGrader, JavaPassesAtEveryMemoryLimit) {
  for (const int memory_mb : {96, 256, 384, 448, 512}) {
    TempFolder grader;
    WriteJavaSumGrader(grader, memory_mb);
    TempFolder submission;
    submission.Write("Main.java", kJavaSumProgram);

    const GradeReport report = Grade(grader, submission);

    ASSERT_EQ(report.tests.size(), 2u) << memory_mb;
    EXPECT_TRUE(report.tests[0].passed)
        << memory_mb << " MiB: " << report.output << report.tests[0].output;
    EXPECT_TRUE(report.tests[1].passed) << memory_mb << " MiB: " << report.tests[1].output;
  }
}

TEST(RunGrader, JavaHeapIsBoundByMemoryLimit) {
  TempFolder grader;
  WriteJavaSumGrader(grader, 256);
  TempFolder submission;
  // Holds 300 MiB, more than the 256 MiB the grader allows.
  submission.Write("Main.java",
                   "import java.util.*;\npublic class Main {\n"
                   "  public static void main(String[] args) {\n"
                   "    List<byte[]> held = new ArrayList<>();\n"
                   "    for (int i = 0; i < 300; i++) { held.add(new byte[1 << 20]); }\n"
                   "    System.out.println(held.size());\n  }\n}\n");

  const GradeReport report = Grade(grader, submission);

  ASSERT_EQ(report.tests.size(), 2u);
  EXPECT_FALSE(report.tests[0].passed);
  EXPECT_NE(report.tests[0].output.find("OutOfMemoryError"), std::string::npos)
      << report.tests[0].output;
}

}  // namespace
}  // namespace openlabs::grading
