#include "services/users/validation.h"

#include <gtest/gtest.h>

namespace openlabs::users {
namespace {

size_t CountUsernameProblems(std::string_view username) {
  std::vector<FieldViolation> problems;
  CheckUsername(username, problems);
  return problems.size();
}

size_t CountEmailProblems(std::string_view email) {
  std::vector<FieldViolation> problems;
  CheckEmail(email, problems);
  return problems.size();
}

TEST(ValidationTest, Usernames) {
  EXPECT_EQ(CountUsernameProblems("ada_lovelace"), 0u);
  EXPECT_EQ(CountUsernameProblems("a1.b-c"), 0u);
  EXPECT_EQ(CountUsernameProblems("ab"), 1u);
  EXPECT_EQ(CountUsernameProblems(std::string(33, 'a')), 1u);
  EXPECT_EQ(CountUsernameProblems("_ada"), 1u);
  EXPECT_EQ(CountUsernameProblems("ada lovelace"), 1u);
  EXPECT_EQ(CountUsernameProblems("adä"), 1u);
}

TEST(ValidationTest, Emails) {
  EXPECT_EQ(CountEmailProblems("ada@example.org"), 0u);
  EXPECT_EQ(CountEmailProblems("a.b+tag@mail.example.co.uk"), 0u);
  EXPECT_EQ(CountEmailProblems("ada"), 1u);
  EXPECT_EQ(CountEmailProblems("@example.org"), 1u);
  EXPECT_EQ(CountEmailProblems("ada@"), 1u);
  EXPECT_EQ(CountEmailProblems("ada@localhost"), 1u);
  EXPECT_EQ(CountEmailProblems("ada@example..org"), 1u);
  EXPECT_EQ(CountEmailProblems("a@b@example.org"), 1u);
  EXPECT_EQ(CountEmailProblems("ada lovelace@example.org"), 1u);
  EXPECT_EQ(CountEmailProblems("ada@example.o"), 1u);
}

TEST(ValidationTest, TextRejectsControlsAndBadUtf8) {
  std::vector<FieldViolation> problems;
  CheckText("name", "Ada Lovelace", 100, false, problems);
  CheckText("name", "Zoë 李", 100, false, problems);
  CheckText("bio", "line one\nline two", 100, true, problems);
  EXPECT_TRUE(problems.empty());
  CheckText("name", "line\nbreak", 100, false, problems);
  CheckText("name", "\xc3\x28", 100, false, problems);
  CheckText("name", "\xed\xa0\x80", 100, false, problems);
  CheckText("name", std::string(101, 'a'), 100, false, problems);
  EXPECT_EQ(problems.size(), 4u);
}

TEST(ValidationTest, LoginKeyFoldsCase) { EXPECT_EQ(LoginKey("Ada@Example.ORG"), "ada@example.org"); }

}  // namespace
}  // namespace openlabs::users
