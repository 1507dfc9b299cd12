#include "services/grading/similarity.h"

#include <gtest/gtest.h>

namespace openlabs::grading {
namespace {

constexpr const char* kMedian = R"(#include <stdio.h>
int main() {
  int a, b, c, median;  /* the three numbers */
  printf("Please enter 3 numbers separated by spaces > ");
  scanf("%d%d%d", &a, &b, &c);
  if ((a <= b && a >= c) || (a >= b && a <= c))
    median = a;
  else if ((b <= a && b >= c) || (b >= a && b <= c))
    median = b;
  else
    median = c;
  printf("%d is the median\n", median);
  return 0;
}
)";

// kMedian with every variable renamed, the comment removed and the layout changed.
constexpr const char* kRenamedMedian = R"(#include <stdio.h>
int main(){int x,y,z,m;
printf("Enter three numbers: ");
scanf("%d %d %d",&x,&y,&z);
if((x<=y&&x>=z)||(x>=y&&x<=z)) m=x;
else if((y<=x&&y>=z)||(y>=x&&y<=z)) m=y;
else m=z;
printf("%d is the median\n",m); return 0;}
)";

constexpr const char* kOtherProgram = R"(#include <stdio.h>
#include <string.h>
int main(void) {
  char line[1000];
  int sum = 0;
  fgets(line, sizeof line, stdin);
  for (size_t i = 0; i < strlen(line) - 1; i++) {
    sum += line[i];
  }
  sum = sum % 64 + ' ';
  printf("Check sum is %c\n", sum);
  return 0;
}
)";

TEST(NormalizeTokens, ReplacesNamesAndLiterals) {
  const std::vector<CodeToken> tokens = NormalizeTokens("x1 = y + 42; // note\nputs(\"hi\");");

  std::vector<std::string> texts;
  for (const CodeToken& token : tokens) {
    texts.push_back(token.text);
  }
  const std::vector<std::string> expected = {"V", "=", "V", "+", "N", ";", "V", "(", "S", ")", ";"};
  EXPECT_EQ(texts, expected);
  EXPECT_EQ(tokens.back().line, 2);
}

TEST(NormalizeTokens, DropsCommentsAndPreprocessorLines) {
  const std::vector<CodeToken> tokens =
      NormalizeTokens("#include <stdio.h>\n/* a\nb */ return 0;\n# python comment\n");

  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].text, "return");
  EXPECT_EQ(tokens[0].line, 3);
}

TEST(CompareFingerprints, RenamedCopyScoresHigh) {
  const WinnowingOptions options;
  const SimilarityScore score = CompareFingerprints(
      FingerprintCode(kMedian, options), FingerprintCode(kRenamedMedian, options), options);

  EXPECT_GT(score.score, 0.9);
  ASSERT_FALSE(score.regions.empty());
  EXPECT_LE(score.regions.front().first_line_a, 5);
  EXPECT_GE(score.regions.back().last_line_a, 10);
}

TEST(CompareFingerprints, DifferentProgramsScoreLow) {
  const WinnowingOptions options;
  const SimilarityScore score = CompareFingerprints(
      FingerprintCode(kMedian, options), FingerprintCode(kOtherProgram, options), options);

  EXPECT_LT(score.score, 0.2);
}

TEST(CompareFingerprints, EmptySourcesScoreZero) {
  const WinnowingOptions options;
  const SimilarityScore score =
      CompareFingerprints(FingerprintCode("", options), FingerprintCode("int", options), options);

  EXPECT_EQ(score.score, 0);
  EXPECT_TRUE(score.regions.empty());
}

TEST(FindSimilarPairs, ReportsCopiesAboveThreshold) {
  const std::vector<SubmissionCode> submissions = {
      {1, 100, kMedian}, {2, 200, kRenamedMedian}, {3, 300, kOtherProgram}, {4, 100, kMedian}};
  PairSearchOptions options;
  options.threshold = 0.5;
  options.common_fraction = 1;

  const std::vector<SimilarPair> pairs = FindSimilarPairs(submissions, options);

  ASSERT_EQ(pairs.size(), 2u);  // 1-2 and 2-4; 1-4 share a learner
  for (const SimilarPair& pair : pairs) {
    EXPECT_TRUE(pair.submission_a == 2 || pair.submission_b == 2);
    EXPECT_GT(pair.similarity.score, 0.9);
  }
}

TEST(FindSimilarPairs, IgnoresCodeMostLearnersShare) {
  std::vector<SubmissionCode> submissions;
  for (int learner = 1; learner <= 4; ++learner) {
    submissions.push_back({learner, learner, kMedian});
  }
  PairSearchOptions options;
  options.threshold = 0.01;
  options.common_fraction = 0.5;

  EXPECT_TRUE(FindSimilarPairs(submissions, options).empty());
}

}  // namespace
}  // namespace openlabs::grading
