#include "services/auth/crypto/totp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace openlabs::auth {
namespace {

// The seeds of RFC 6238 Appendix B: the ASCII digits repeated to the HMAC's digest length.
const std::string kSha1Seed = "12345678901234567890";
const std::string kSha256Seed = "12345678901234567890123456789012";
const std::string kSha512Seed = "1234567890123456789012345678901234567890123456789012345678901234";
// kSha1Seed in base32.
constexpr char kSha1SeedBase32[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Rfc6238Vector {
  int64_t time;
  const char* sha1;
  const char* sha256;
  const char* sha512;
};

// RFC 6238 Appendix B, 8 digits, 30-second steps.
constexpr Rfc6238Vector kRfc6238Vectors[] = {
    {59, "94287082", "46119246", "90693936"},
    {1111111109, "07081804", "68084774", "25091201"},
    {1111111111, "14050471", "67062674", "99943326"},
    {1234567890, "89005924", "91819424", "93441116"},
    {2000000000, "69279037", "90698825", "38618901"},
    {20000000000, "65353130", "77737706", "47863826"},
};

std::string CodeAt(int64_t unix_seconds) {
  const Result<std::string> code = TotpCode(kSha1SeedBase32, unix_seconds);
  return code.value_or("");
}

TEST(TotpCodeForKeyTest, MatchesRfc6238Sha1Vectors) {
  for (const Rfc6238Vector& vector : kRfc6238Vectors) {
    const Result<std::string> code =
        TotpCodeForKey(kSha1Seed, vector.time, TotpAlgorithm::kSha1, 8);
    ASSERT_TRUE(code.has_value()) << vector.time;
    EXPECT_EQ(*code, vector.sha1) << "time " << vector.time;
  }
}

TEST(TotpCodeForKeyTest, MatchesRfc6238Sha256Vectors) {
  for (const Rfc6238Vector& vector : kRfc6238Vectors) {
    const Result<std::string> code =
        TotpCodeForKey(kSha256Seed, vector.time, TotpAlgorithm::kSha256, 8);
    ASSERT_TRUE(code.has_value()) << vector.time;
    EXPECT_EQ(*code, vector.sha256) << "time " << vector.time;
  }
}

TEST(TotpCodeForKeyTest, MatchesRfc6238Sha512Vectors) {
  for (const Rfc6238Vector& vector : kRfc6238Vectors) {
    const Result<std::string> code =
        TotpCodeForKey(kSha512Seed, vector.time, TotpAlgorithm::kSha512, 8);
    ASSERT_TRUE(code.has_value()) << vector.time;
    EXPECT_EQ(*code, vector.sha512) << "time " << vector.time;
  }
}

TEST(TotpCodeForKeyTest, RejectsInvalidParameters) {
  EXPECT_FALSE(TotpCodeForKey("", 59, TotpAlgorithm::kSha1).has_value());
  EXPECT_FALSE(TotpCodeForKey(kSha1Seed, 59, TotpAlgorithm::kSha1, 5).has_value());
  EXPECT_FALSE(TotpCodeForKey(kSha1Seed, 59, TotpAlgorithm::kSha1, 9).has_value());
  EXPECT_FALSE(TotpCodeForKey(kSha1Seed, 59, TotpAlgorithm::kSha1, 6, 0).has_value());
  EXPECT_FALSE(TotpCodeForKey(kSha1Seed, -1, TotpAlgorithm::kSha1).has_value());
}

TEST(TotpCodeTest, DecodesBase32Secret) {
  const Result<std::string> eight_digits = TotpCode(kSha1SeedBase32, 59, 8);
  const Result<std::string> six_digits = TotpCode(kSha1SeedBase32, 59);

  ASSERT_TRUE(eight_digits.has_value());
  ASSERT_TRUE(six_digits.has_value());
  EXPECT_EQ(*eight_digits, "94287082");
  EXPECT_EQ(*six_digits, "287082");
}

TEST(TotpCodeTest, AcceptsLowerCaseSecret) {
  const Result<std::string> code = TotpCode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 59);

  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, "287082");
}

TEST(TotpCodeTest, RejectsInvalidSecret) {
  const Result<std::string> not_base32 = TotpCode("not base32!", 59);
  const Result<std::string> empty = TotpCode("", 59);
  const Result<std::string> with_digit_one = TotpCode("GEZDGNBVGY3TQOJ1", 59);

  ASSERT_FALSE(not_base32.has_value());
  EXPECT_EQ(not_base32.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(empty.has_value());
  EXPECT_FALSE(with_digit_one.has_value());
}

TEST(GenerateTotpSecretTest, IsUnpaddedBase32Of20Bytes) {
  const std::string secret = GenerateTotpSecret();

  EXPECT_EQ(secret.size(), 32u);
  EXPECT_EQ(secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
  EXPECT_TRUE(TotpCode(secret, 1'700'000'000).has_value());
}

TEST(GenerateTotpSecretTest, SecretsDiffer) {
  EXPECT_NE(GenerateTotpSecret(), GenerateTotpSecret());
}

TEST(VerifyTotpTest, AcceptsCurrentStepAndReturnsCounter) {
  const int64_t now = 1'700'000'015;

  const std::optional<int64_t> counter = VerifyTotp(kSha1SeedBase32, CodeAt(now), now);

  ASSERT_TRUE(counter.has_value());
  EXPECT_EQ(*counter, now / 30);
}

TEST(VerifyTotpTest, AcceptsNeighbourStepsInWindow) {
  const int64_t now = 1'700'000'015;

  const std::optional<int64_t> previous = VerifyTotp(kSha1SeedBase32, CodeAt(now - 30), now);
  const std::optional<int64_t> next = VerifyTotp(kSha1SeedBase32, CodeAt(now + 30), now);

  ASSERT_TRUE(previous.has_value());
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*previous, now / 30 - 1);
  EXPECT_EQ(*next, now / 30 + 1);
}

TEST(VerifyTotpTest, RejectsStepsOutsideWindow) {
  const int64_t now = 1'700'000'015;

  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, CodeAt(now - 60), now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, CodeAt(now + 60), now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, CodeAt(now - 30), now, 0).has_value());
  EXPECT_TRUE(VerifyTotp(kSha1SeedBase32, CodeAt(now - 60), now, 2).has_value());
}

TEST(VerifyTotpTest, RejectsWrongCode) {
  const int64_t now = 1'700'000'015;
  std::string code = CodeAt(now);
  code[0] = code[0] == '9' ? '0' : static_cast<char>(code[0] + 1);

  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, code, now).has_value());
}

TEST(VerifyTotpTest, RejectsMalformedCodes) {
  const int64_t now = 1'700'000'015;
  const std::string code = CodeAt(now);

  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, "", now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, code.substr(0, 5), now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, code + "0", now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, " " + code.substr(1), now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, code.substr(0, 5) + "a", now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, "-12345", now).has_value());
}

TEST(VerifyTotpTest, RejectsInvalidSecretAndWindow) {
  const int64_t now = 1'700'000'015;
  const std::string code = CodeAt(now);

  EXPECT_FALSE(VerifyTotp("not base32!", code, now).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, code, now, -1).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1SeedBase32, code, now, kMaxTotpWindowSteps + 1).has_value());
}

TEST(OtpauthUriTest, BuildsKeyUri) {
  EXPECT_EQ(OtpauthUri("Open Labs", "ada@example.com", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Open%20Labs:ada%40example.com?secret=JBSWY3DPEHPK3PXP"
            "&issuer=Open%20Labs&algorithm=SHA1&digits=6&period=30");
}

TEST(OtpauthUriTest, EncodesReservedCharacters) {
  const std::string uri = OtpauthUri("A:B&C", "x?y#z/\xc3\xa9", "JBSWY3DPEHPK3PXP");

  EXPECT_EQ(uri,
            "otpauth://totp/A%3AB%26C:x%3Fy%23z%2F%C3%A9?secret=JBSWY3DPEHPK3PXP"
            "&issuer=A%3AB%26C&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace openlabs::auth
