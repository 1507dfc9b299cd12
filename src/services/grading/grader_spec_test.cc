#include "services/grading/grader_spec.h"

#include <gtest/gtest.h>

#include "services/grading/grading_test_support.h"
#include "services/grading/output_compare.h"

namespace openlabs::grading {
namespace {

bool HasViolation(const Error& error, const std::string& field) {
  for (const FieldViolation& violation : error.details) {
    if (violation.field == field) {
      return true;
    }
  }
  return false;
}

TEST(GraderSpec, ReadsSettingsAndTests) {
  TempFolder grader;
  grader.Write("grader.toml",
               "build = \"gcc -o prog main.c\"\nrun = \"./prog\"\ncompare = \"tokens\"\n"
               "time_limit_s = 1.5\nmemory_mb = 128\nhidden = [\"secret/*\"]\npoints = 2\n");
  grader.Write("tests/b.in", "1\n");
  grader.Write("tests/b.out", "2\n");
  grader.Write("tests/secret/a.in", "3\n");
  grader.Write("tests/secret/a.out", "4\n");

  Result<GraderSpec> spec = LoadGraderSpec(grader.path());

  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  EXPECT_EQ(*spec->build, "gcc -o prog main.c");
  EXPECT_EQ(*spec->run, "./prog");
  EXPECT_EQ(spec->compare, CompareMode::kTokens);
  EXPECT_DOUBLE_EQ(spec->time_limit_s, 1.5);
  EXPECT_EQ(spec->memory_mb, 128);
  ASSERT_EQ(spec->tests.size(), 2u);
  EXPECT_EQ(spec->tests[0].name, "b");
  EXPECT_FALSE(spec->tests[0].hidden);
  EXPECT_EQ(spec->tests[1].name, "secret/a");
  EXPECT_TRUE(spec->tests[1].hidden);
  EXPECT_DOUBLE_EQ(spec->tests[1].max_score, 2);
}

TEST(GraderSpec, DefaultsToWhitespaceCompare) {
  TempFolder grader;
  grader.Write("grader.toml", "run = \"cat\"\n");
  grader.Write("tests/one.in", "x");
  grader.Write("tests/one.out", "x");

  Result<GraderSpec> spec = LoadGraderSpec(grader.path());

  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(spec->compare, CompareMode::kWhitespace);
  EXPECT_TRUE(spec->check_exit_code);
}

TEST(GraderSpec, ReportsEveryProblemAtOnce) {
  TempFolder grader;
  grader.Write("grader.toml",
               "run = \"./prog\"\ncompare = \"fuzzy\"\ntime_limit_s = 0\nmemory_mb = \"lots\"\n"
               "colour = \"blue\"\n");
  grader.Write("tests/lonely.in", "1");

  Result<GraderSpec> spec = LoadGraderSpec(grader.path());

  ASSERT_FALSE(spec.has_value());
  EXPECT_EQ(spec.error().code, ErrorCode::kValidationFailed);
  EXPECT_TRUE(HasViolation(spec.error(), "compare"));
  EXPECT_TRUE(HasViolation(spec.error(), "time_limit_s"));
  EXPECT_TRUE(HasViolation(spec.error(), "memory_mb"));
  EXPECT_TRUE(HasViolation(spec.error(), "colour"));
  EXPECT_TRUE(HasViolation(spec.error(), "tests/lonely.out"));
}

TEST(GraderSpec, RejectsJavaMemoryTooSmallForJvm) {
  TempFolder grader;
  grader.Write("grader.toml",
               "language = \"java\"\nbuild = \"javac *.java\"\nrun = \"java Main\"\n"
               "memory_mb = 64\nbuild_memory_mb = 64\n");
  grader.Write("tests/t.in", "");
  grader.Write("tests/t.out", "");

  Result<GraderSpec> spec = LoadGraderSpec(grader.path());

  ASSERT_FALSE(spec.has_value());
  ASSERT_TRUE(HasViolation(spec.error(), "memory_mb"));
  ASSERT_TRUE(HasViolation(spec.error(), "build_memory_mb"));
  for (const FieldViolation& violation : spec.error().details) {
    EXPECT_NE(violation.message.find("at least 96 for a Java grader"), std::string::npos)
        << violation.field << ": " << violation.message;
  }
}

TEST(GraderSpec, AcceptsJavaAtMinimumAndCAtSixtyFour) {
  TempFolder java;
  java.Write("grader.toml", "language = \"java\"\nrun = \"java Main\"\nmemory_mb = 96\n");
  java.Write("tests/t.in", "");
  java.Write("tests/t.out", "");
  TempFolder c;
  c.Write("grader.toml", "language = \"c\"\nrun = \"./prog\"\nmemory_mb = 64\n");
  c.Write("tests/t.in", "");
  c.Write("tests/t.out", "");

  EXPECT_TRUE(LoadGraderSpec(java.path()).has_value());
  EXPECT_TRUE(LoadGraderSpec(c.path()).has_value());
}

TEST(GraderSpec, RejectsRunWithCommand) {
  TempFolder grader;
  grader.Write("grader.toml", "run = \"a\"\ncommand = \"b\"\n");
  grader.Write("tests/t.in", "");
  grader.Write("tests/t.out", "");

  Result<GraderSpec> spec = LoadGraderSpec(grader.path());

  ASSERT_FALSE(spec.has_value());
  EXPECT_TRUE(HasViolation(spec.error(), "command"));
}

TEST(GraderSpec, RejectsMissingOrBrokenToml) {
  TempFolder empty;
  Result<GraderSpec> missing = LoadGraderSpec(empty.path());
  ASSERT_FALSE(missing.has_value());
  EXPECT_TRUE(HasViolation(missing.error(), "grader.toml"));

  TempFolder broken;
  broken.Write("grader.toml", "run = \"unterminated\n");
  Result<GraderSpec> parsed = LoadGraderSpec(broken.path());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_TRUE(HasViolation(parsed.error(), "grader.toml"));
}

TEST(GraderSpec, CommandGraderNeedsNoTests) {
  TempFolder grader;
  grader.Write("grader.toml", "language = \"python3\"\ncommand = \"python3 run.py\"\n");

  Result<GraderSpec> spec = LoadGraderSpec(grader.path());

  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(*spec->command, "python3 run.py");
  EXPECT_TRUE(spec->tests.empty());
}

TEST(MatchesGlob, MatchesStarsAndQuestionMarks) {
  EXPECT_TRUE(MatchesGlob("whitebox/*", "whitebox/10"));
  EXPECT_TRUE(MatchesGlob("*", ""));
  EXPECT_TRUE(MatchesGlob("t?st*", "test-1"));
  EXPECT_FALSE(MatchesGlob("whitebox/*", "blackbox/1"));
  EXPECT_FALSE(MatchesGlob("a?", "a"));
}

TEST(OutputsMatch, ExactComparesBytes) {
  EXPECT_TRUE(OutputsMatch("1 2\n", "1 2\n", CompareMode::kExact));
  EXPECT_FALSE(OutputsMatch("1 2\n", "1 2", CompareMode::kExact));
}

TEST(OutputsMatch, WhitespaceIgnoresLineEnds) {
  EXPECT_TRUE(OutputsMatch("1 2\n3\n", "1 2  \r\n3\n\n\n", CompareMode::kWhitespace));
  EXPECT_FALSE(OutputsMatch("1 2\n3\n", "1  2\n3\n", CompareMode::kWhitespace));
  EXPECT_FALSE(OutputsMatch("1\n2\n", "1 2\n", CompareMode::kWhitespace));
}

TEST(OutputsMatch, TokensIgnoresAllLayout) {
  EXPECT_TRUE(OutputsMatch("1 2\n3\n", "1\n  2 3", CompareMode::kTokens));
  EXPECT_FALSE(OutputsMatch("1 2 3", "1 2 4", CompareMode::kTokens));
  EXPECT_TRUE(OutputsMatch("", "\n \n", CompareMode::kTokens));
}

}  // namespace
}  // namespace openlabs::grading
