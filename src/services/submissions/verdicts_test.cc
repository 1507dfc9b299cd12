#include "services/submissions/verdicts.h"

#include <gtest/gtest.h>

#include <vector>

namespace openlabs::submissions {
namespace {

TEST(DecideTest, MajorityWinsAndScoreIsMedian) {
  const std::vector<Vote> votes = {{true, 40}, {false, 90}, {true, 70}};
  const Decision decision = Decide(votes);
  EXPECT_TRUE(decision.accepted);
  EXPECT_EQ(decision.score, 70);
}

TEST(DecideTest, MajorityRejectsDespiteHighScores) {
  const std::vector<Vote> votes = {{false, 95}, {false, 90}, {true, 10}};
  const Decision decision = Decide(votes);
  EXPECT_FALSE(decision.accepted);
  EXPECT_EQ(decision.score, 90);
}

TEST(DecideTest, TieAcceptsWhenMedianPasses) {
  const std::vector<Vote> votes = {{true, 80}, {false, 50}};
  const Decision decision = Decide(votes);
  EXPECT_TRUE(decision.accepted);
  EXPECT_EQ(decision.score, 50);  // the lower middle score
}

TEST(DecideTest, TieRejectsWhenMedianFails) {
  const std::vector<Vote> votes = {{true, 90}, {false, 20}, {true, 49}, {false, 10}};
  const Decision decision = Decide(votes);
  EXPECT_FALSE(decision.accepted);
  EXPECT_EQ(decision.score, 20);
}

TEST(DecideTest, SingleReviewDecides) {
  const std::vector<Vote> votes = {{false, 100}};
  const Decision decision = Decide(votes);
  EXPECT_FALSE(decision.accepted);
  EXPECT_EQ(decision.score, 100);
}

}  // namespace
}  // namespace openlabs::submissions
