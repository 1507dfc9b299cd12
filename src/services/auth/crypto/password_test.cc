#include "services/auth/crypto/password.h"

#include <gtest/gtest.h>

#include <string>

namespace openlabs::auth {
namespace {

TEST(HashPasswordTest, ProducesArgon2idInteractiveHash) {
  const Result<std::string> hash = HashPassword("correct horse battery staple");

  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << *hash;
}

TEST(HashPasswordTest, SaltsEachHash) {
  const Result<std::string> first = HashPassword("same password");
  const Result<std::string> second = HashPassword("same password");

  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*first, *second);
}

TEST(VerifyPasswordTest, AcceptsCorrectPassword) {
  const Result<std::string> hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.has_value());

  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery staple"));
}

TEST(VerifyPasswordTest, RejectsWrongPassword) {
  const Result<std::string> hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.has_value());

  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapl"));
  EXPECT_FALSE(VerifyPassword(*hash, "Correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(VerifyPasswordTest, HandlesNonAsciiAndNulBytes) {
  const std::string password("p\xc3\xa4ss\0w\xc3\xb6rd", 11);
  const Result<std::string> hash = HashPassword(password);
  ASSERT_TRUE(hash.has_value());

  EXPECT_TRUE(VerifyPassword(*hash, password));
  EXPECT_FALSE(VerifyPassword(*hash, password.substr(0, 5)));
}

TEST(VerifyPasswordTest, RejectsMalformedHashes) {
  const Result<std::string> hash = HashPassword("secret");
  ASSERT_TRUE(hash.has_value());

  EXPECT_FALSE(VerifyPassword("", "secret"));
  EXPECT_FALSE(VerifyPassword("not a hash", "secret"));
  EXPECT_FALSE(VerifyPassword(hash->substr(0, hash->size() - 4), "secret"));
  EXPECT_FALSE(VerifyPassword(*hash + std::string(1, '\0') + "x", "secret"));
  EXPECT_FALSE(VerifyPassword(std::string(500, 'a'), "secret"));
}

TEST(PasswordNeedsRehashTest, FreshHashNeedsNone) {
  const Result<std::string> hash = HashPassword("secret");
  ASSERT_TRUE(hash.has_value());

  EXPECT_FALSE(PasswordNeedsRehash(*hash));
}

TEST(PasswordNeedsRehashTest, OtherParametersNeedRehash) {
  const Result<std::string> hash = HashPassword("secret");
  ASSERT_TRUE(hash.has_value());
  std::string weaker = *hash;
  weaker.replace(weaker.find("t=2"), 3, "t=1");

  EXPECT_TRUE(PasswordNeedsRehash(weaker));
}

TEST(PasswordNeedsRehashTest, MalformedHashNeedsRehash) {
  EXPECT_TRUE(PasswordNeedsRehash(""));
  EXPECT_TRUE(PasswordNeedsRehash("$2b$12$bcryptlookingstring"));
}

TEST(IsCommonPasswordTest, FindsCommonPasswords) {
  EXPECT_TRUE(IsCommonPassword("123456"));
  EXPECT_TRUE(IsCommonPassword("password"));
  EXPECT_TRUE(IsCommonPassword("qwerty"));
  EXPECT_TRUE(IsCommonPassword("iloveyou"));
  EXPECT_TRUE(IsCommonPassword("password123"));
}

TEST(IsCommonPasswordTest, IgnoresCase) {
  EXPECT_TRUE(IsCommonPassword("PASSWORD"));
  EXPECT_TRUE(IsCommonPassword("PassWord"));
  EXPECT_TRUE(IsCommonPassword("QwErTy"));
}

TEST(IsCommonPasswordTest, LoadsTheWholeList) {
  // The last entry of common_passwords.txt.
  EXPECT_TRUE(IsCommonPassword("24081990"));
}

TEST(IsCommonPasswordTest, AcceptsUncommonPasswords) {
  EXPECT_FALSE(IsCommonPassword(""));
  EXPECT_FALSE(IsCommonPassword("correct horse battery staple"));
  EXPECT_FALSE(IsCommonPassword("vT9#qLm2!xR7"));
  EXPECT_FALSE(IsCommonPassword("password "));
}

TEST(IsCommonPasswordTest, SkipsCommentLines) {
  EXPECT_FALSE(IsCommonPassword(
      "# The 10,000 most common passwords: the first 10,000 distinct lower-cased entries of"));
}

}  // namespace
}  // namespace openlabs::auth
