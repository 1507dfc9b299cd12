#include "services/auth/crypto/jwt.h"

#include <gtest/gtest.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/random.h"
#include "services/auth/crypto/base64url.h"

namespace openlabs::auth {
namespace {

constexpr char kIssuer[] = "https://labs.example.com";
constexpr int64_t kNow = 1'700'000'000;

AccessClaims SampleClaims() {
  return AccessClaims{
      .subject = "42",
      .username = "ada",
      .role = "user",
      .jti = "token-1",
      .session_id = "session-1",
      .issued_at = kNow,
      .expires_at = kNow + 900,
  };
}

nlohmann::json SamplePayload() {
  return {{"iss", kIssuer}, {"sub", "42"},       {"username", "ada"},
          {"role", "user"}, {"jti", "token-1"},  {"sid", "session-1"},
          {"iat", kNow},    {"exp", kNow + 900}, {"typ", "access"}};
}

// Signs `payload` with libjwt directly, bypassing TokenSigner::Issue, to build tokens that Issue
// never would. `secret` is a PEM private key for ES256 or raw bytes for HS256.
std::string SignWithLibjwt(jwt_alg_t alg, const std::string& secret, const std::string& kid,
                           const nlohmann::json& payload) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  EXPECT_EQ(jwt_add_header(jwt, "kid", kid.c_str()), 0);
  EXPECT_EQ(jwt_add_grants_json(jwt, payload.dump().c_str()), 0);
  EXPECT_EQ(jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(secret.data()),
                        static_cast<int>(secret.size())),
            0);
  char* encoded = jwt_encode_str(jwt);
  jwt_free(jwt);
  if (encoded == nullptr) {
    ADD_FAILURE() << "jwt_encode_str failed";
    return "";
  }
  std::string token(encoded);
  std::free(encoded);
  return token;
}

std::vector<std::string> Segments(const std::string& token) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (true) {
    const size_t dot = token.find('.', start);
    segments.push_back(token.substr(start, dot - start));
    if (dot == std::string::npos) {
      return segments;
    }
    start = dot + 1;
  }
}

nlohmann::json DecodeSegment(const std::string& segment) {
  const std::optional<std::string> json = Base64UrlDecode(segment);
  if (!json) {
    return nullptr;
  }
  return nlohmann::json::parse(*json, nullptr, false);
}

// Rebuilds a PEM public key from the x and y of a JWK, using only OpenSSL.
std::string PublicPemFromJwk(const nlohmann::json& jwk) {
  const std::optional<std::string> x = Base64UrlDecode(jwk.at("x").get<std::string>());
  const std::optional<std::string> y = Base64UrlDecode(jwk.at("y").get<std::string>());
  if (!x || !y || x->size() != 32 || y->size() != 32) {
    return "";
  }
  const std::string point = std::string(1, '\x04') + *x + *y;  // uncompressed SEC 1 point

  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  std::string pem;
  if (EVP_PKEY_fromdata_init(context) == 1 &&
      EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params) == 1) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(length));
    BIO_free(bio);
  }
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(context);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  return pem;
}

class TokenSignerTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new SigningKey(GenerateSigningKey().value());
    other_key_ = new SigningKey(GenerateSigningKey().value());
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_key_;
  }

  static TokenSigner MakeSigner() { return TokenSigner::Create(*key_, {}, kIssuer).value(); }

  std::string IssueSample() { return MakeSigner().Issue(SampleClaims()).value(); }

  void ExpectRejected(const std::string& token, std::string_view test_case, int64_t now = kNow) {
    const Result<AccessClaims> claims = MakeSigner().Verify(token, now);
    ASSERT_FALSE(claims.has_value()) << test_case;
    EXPECT_EQ(claims.error().code, ErrorCode::kUnauthenticated) << test_case;
    EXPECT_EQ(claims.error().message, "The access token is invalid.") << test_case;
  }

  static SigningKey* key_;
  static SigningKey* other_key_;
};

SigningKey* TokenSignerTest::key_ = nullptr;
SigningKey* TokenSignerTest::other_key_ = nullptr;

TEST_F(TokenSignerTest, GeneratedKeyHasThumbprintKidAndPems) {
  EXPECT_EQ(key_->kid.size(), 43u);
  EXPECT_TRUE(key_->private_pem.starts_with("-----BEGIN PRIVATE KEY-----")) << key_->private_pem;
  EXPECT_TRUE(key_->public_pem.starts_with("-----BEGIN PUBLIC KEY-----")) << key_->public_pem;
  EXPECT_NE(key_->kid, other_key_->kid);
}

TEST_F(TokenSignerTest, RoundTripKeepsClaims) {
  const std::string token = IssueSample();

  const Result<AccessClaims> claims = MakeSigner().Verify(token, kNow + 1);

  ASSERT_TRUE(claims.has_value()) << claims.error().internal;
  EXPECT_EQ(claims->subject, "42");
  EXPECT_EQ(claims->username, "ada");
  EXPECT_EQ(claims->role, "user");
  EXPECT_EQ(claims->jti, "token-1");
  EXPECT_EQ(claims->session_id, "session-1");
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + 900);
}

TEST_F(TokenSignerTest, IssueWritesHeaderAndClaims) {
  const std::vector<std::string> segments = Segments(IssueSample());
  ASSERT_EQ(segments.size(), 3u);

  const nlohmann::json header = DecodeSegment(segments[0]);
  const nlohmann::json payload = DecodeSegment(segments[1]);

  EXPECT_EQ(header, nlohmann::json({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", key_->kid}}));
  EXPECT_EQ(payload, SamplePayload());
  EXPECT_EQ(Base64UrlDecode(segments[2]).value_or("").size(), 64u);
}

TEST_F(TokenSignerTest, IssueRejectsIncompleteClaims) {
  AccessClaims no_subject = SampleClaims();
  no_subject.subject.clear();
  AccessClaims backwards = SampleClaims();
  backwards.expires_at = backwards.issued_at;

  EXPECT_FALSE(MakeSigner().Issue(no_subject).has_value());
  EXPECT_FALSE(MakeSigner().Issue(backwards).has_value());
}

TEST_F(TokenSignerTest, RejectsExpiredToken) {
  const std::string token = IssueSample();

  const Result<AccessClaims> at_expiry = MakeSigner().Verify(token, kNow + 900);
  const Result<AccessClaims> just_before = MakeSigner().Verify(token, kNow + 899);

  ASSERT_FALSE(at_expiry.has_value());
  EXPECT_EQ(at_expiry.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(at_expiry.error().message, "The access token has expired.");
  EXPECT_TRUE(just_before.has_value());
}

TEST_F(TokenSignerTest, RejectsTokenIssuedInFuture) {
  const std::string token = IssueSample();

  EXPECT_TRUE(MakeSigner().Verify(token, kNow - kMaxClockSkewSeconds).has_value());
  ExpectRejected(token, "iat beyond the allowed skew", kNow - kMaxClockSkewSeconds - 1);
}

TEST_F(TokenSignerTest, RejectsOtherIssuer) {
  const TokenSigner other_issuer = TokenSigner::Create(*key_, {}, "https://evil.example").value();
  const std::string token = other_issuer.Issue(SampleClaims()).value();

  ExpectRejected(token, "other issuer");
}

TEST_F(TokenSignerTest, RejectsOtherTokenTypes) {
  nlohmann::json refresh = SamplePayload();
  refresh["typ"] = "refresh";
  nlohmann::json untyped = SamplePayload();
  untyped.erase("typ");

  ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, key_->private_pem, key_->kid, refresh),
                 "typ refresh");
  ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, key_->private_pem, key_->kid, untyped), "no typ");
}

TEST_F(TokenSignerTest, RejectsMissingOrMistypedClaims) {
  for (const char* name : {"iss", "sub", "username", "role", "jti", "sid", "iat", "exp"}) {
    nlohmann::json payload = SamplePayload();
    payload.erase(name);
    ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, key_->private_pem, key_->kid, payload),
                   std::string("missing ") + name);
  }
  nlohmann::json string_exp = SamplePayload();
  string_exp["exp"] = std::to_string(kNow + 900);
  ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, key_->private_pem, key_->kid, string_exp),
                 "exp as a string");
  nlohmann::json empty_sub = SamplePayload();
  empty_sub["sub"] = "";
  ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, key_->private_pem, key_->kid, empty_sub),
                 "empty sub");
}

TEST_F(TokenSignerTest, AcceptsTokenSignedByLibjwtDirectly) {
  const std::string token =
      SignWithLibjwt(JWT_ALG_ES256, key_->private_pem, key_->kid, SamplePayload());

  EXPECT_TRUE(MakeSigner().Verify(token, kNow).has_value());
}

TEST_F(TokenSignerTest, RejectsAlgNone) {
  const std::string header =
      Base64UrlEncode(nlohmann::json({{"alg", "none"}, {"typ", "JWT"}, {"kid", key_->kid}}).dump());
  const std::string payload = Base64UrlEncode(SamplePayload().dump());

  ExpectRejected(header + "." + payload + ".", "alg none, empty signature");
  ExpectRejected(header + "." + payload, "alg none, two segments");
  const std::string signature = Segments(IssueSample())[2];
  ExpectRejected(header + "." + payload + "." + signature, "alg none, real signature");
}

TEST_F(TokenSignerTest, RejectsHs256SignedWithPublicKey) {
  const std::string token =
      SignWithLibjwt(JWT_ALG_HS256, key_->public_pem, key_->kid, SamplePayload());

  // libjwt 1.10 alone accepts this token when given the public key, which is why Verify pins
  // the algorithm. The check shows that the attack token is well formed.
  jwt_t* decoded = nullptr;
  const int rc = jwt_decode(&decoded, token.c_str(),
                            reinterpret_cast<const unsigned char*>(key_->public_pem.data()),
                            static_cast<int>(key_->public_pem.size()));
  jwt_free(decoded);
  EXPECT_EQ(rc, 0);

  ExpectRejected(token, "HS256 with the public PEM as the HMAC key");
}

TEST_F(TokenSignerTest, RejectsTamperedPayload) {
  const std::vector<std::string> segments = Segments(IssueSample());
  nlohmann::json payload = DecodeSegment(segments[1]);
  payload["role"] = "admin";

  ExpectRejected(segments[0] + "." + Base64UrlEncode(payload.dump()) + "." + segments[2],
                 "role changed to admin");
}

TEST_F(TokenSignerTest, RejectsTamperedSignature) {
  const std::vector<std::string> segments = Segments(IssueSample());
  std::string signature = segments[2];
  signature[10] = signature[10] == 'A' ? 'B' : 'A';
  const std::string zero_signature = Base64UrlEncode(std::string(64, '\0'));

  ExpectRejected(segments[0] + "." + segments[1] + "." + signature, "one signature byte changed");
  ExpectRejected(segments[0] + "." + segments[1] + "." + zero_signature, "zero signature");
  ExpectRejected(segments[0] + "." + segments[1] + "." + signature.substr(0, 40), "short");
}

TEST_F(TokenSignerTest, RejectsOtherKeyWithSameKid) {
  const SigningKey impostor{key_->kid, other_key_->private_pem, other_key_->public_pem};
  const std::string token = TokenSigner(impostor, {}, kIssuer).Issue(SampleClaims()).value();

  ExpectRejected(token, "signed by another key under our kid");
}

TEST_F(TokenSignerTest, RejectsUnknownKid) {
  const std::string token =
      TokenSigner::Create(*other_key_, {}, kIssuer).value().Issue(SampleClaims()).value();

  ExpectRejected(token, "kid of a key we do not know");
  ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, key_->private_pem, "", SamplePayload()),
                 "empty kid");
}

TEST_F(TokenSignerTest, RejectsGarbage) {
  const std::string valid = IssueSample();
  const std::vector<std::string> segments = Segments(valid);
  const std::string not_json = Base64UrlEncode("not json");
  const std::string array = Base64UrlEncode("[1,2]");

  ExpectRejected("", "empty");
  ExpectRejected("garbage", "one segment");
  ExpectRejected("a.b.c", "short segments");
  ExpectRejected("...", "empty segments");
  ExpectRejected(valid + ".", "four segments");
  ExpectRejected(valid + "=", "padding");
  ExpectRejected(" " + valid, "leading space");
  ExpectRejected(not_json + "." + segments[1] + "." + segments[2], "header not JSON");
  ExpectRejected(array + "." + segments[1] + "." + segments[2], "header is an array");
  ExpectRejected(segments[0] + "." + not_json + "." + segments[2], "payload not JSON");
  ExpectRejected(segments[0] + ".!!!." + segments[2], "payload not base64url");
  ExpectRejected(std::string(valid.data(), 20) + std::string(1, '\0') + valid.substr(21),
                 "NUL byte");
}

TEST_F(TokenSignerTest, RejectsOversizedToken) {
  AccessClaims large = SampleClaims();
  large.username = std::string(kMaxAccessTokenBytes, 'a');
  const std::string token = MakeSigner().Issue(large).value();

  ExpectRejected(token, "larger than the limit");
  ExpectRejected(std::string(kMaxAccessTokenBytes + 1, 'a'), "long garbage");
}

TEST_F(TokenSignerTest, RejectsCritHeader) {
  const std::vector<std::string> segments = Segments(IssueSample());
  jwt_t* jwt = nullptr;
  ASSERT_EQ(jwt_new(&jwt), 0);
  jwt_add_header(jwt, "kid", key_->kid.c_str());
  jwt_add_headers_json(jwt, R"({"crit":["exp"]})");
  jwt_add_grants_json(jwt, SamplePayload().dump().c_str());
  jwt_set_alg(jwt, JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(key_->private_pem.data()),
              static_cast<int>(key_->private_pem.size()));
  char* token = jwt_encode_str(jwt);
  jwt_free(jwt);
  ASSERT_NE(token, nullptr);
  const std::string crit_token(token);
  std::free(token);

  ExpectRejected(crit_token, "crit header");
}

TEST_F(TokenSignerTest, JwksPublishesKeyCoordinates) {
  const nlohmann::json jwks = MakeSigner().Jwks();

  ASSERT_EQ(jwks.at("keys").size(), 1u);
  const nlohmann::json& jwk = jwks["keys"][0];
  EXPECT_EQ(jwk.at("kty"), "EC");
  EXPECT_EQ(jwk.at("crv"), "P-256");
  EXPECT_EQ(jwk.at("alg"), "ES256");
  EXPECT_EQ(jwk.at("use"), "sig");
  EXPECT_EQ(jwk.at("kid"), key_->kid);
  EXPECT_EQ(Base64UrlDecode(jwk.at("x").get<std::string>()).value_or("").size(), 32u);
  EXPECT_EQ(Base64UrlDecode(jwk.at("y").get<std::string>()).value_or("").size(), 32u);
  EXPECT_FALSE(jwk.contains("d"));
}

TEST_F(TokenSignerTest, JwksKeyVerifiesIssuedToken) {
  const std::string token = IssueSample();
  const std::string rebuilt_pem = PublicPemFromJwk(MakeSigner().Jwks()["keys"][0]);
  ASSERT_FALSE(rebuilt_pem.empty());

  jwt_t* decoded = nullptr;
  const int rc = jwt_decode(&decoded, token.c_str(),
                            reinterpret_cast<const unsigned char*>(rebuilt_pem.data()),
                            static_cast<int>(rebuilt_pem.size()));
  const jwt_alg_t alg = decoded != nullptr ? jwt_get_alg(decoded) : JWT_ALG_NONE;
  jwt_free(decoded);

  EXPECT_EQ(rc, 0);
  EXPECT_EQ(alg, JWT_ALG_ES256);
  EXPECT_EQ(rebuilt_pem, key_->public_pem);
}

TEST_F(TokenSignerTest, RotationVerifiesRetiredKey) {
  const std::string old_token = IssueSample();
  const TokenSigner rotated = TokenSigner::Create(*other_key_, {*key_}, kIssuer).value();
  const std::string new_token = rotated.Issue(SampleClaims()).value();

  EXPECT_TRUE(rotated.Verify(old_token, kNow).has_value());
  EXPECT_TRUE(rotated.Verify(new_token, kNow).has_value());
  ASSERT_EQ(rotated.Jwks()["keys"].size(), 2u);
  EXPECT_EQ(rotated.Jwks()["keys"][0]["kid"], other_key_->kid);
  EXPECT_EQ(rotated.Jwks()["keys"][1]["kid"], key_->kid);
  ExpectRejected(new_token, "the old signer does not know the new key");
}

TEST_F(TokenSignerTest, CreateRejectsBadKeys) {
  const SigningKey mismatched{key_->kid, key_->private_pem, other_key_->public_pem};
  const SigningKey no_kid{"", key_->private_pem, key_->public_pem};
  const SigningKey garbage{"k", "not a pem", "not a pem"};
  const SigningKey same_kid{key_->kid, "", other_key_->public_pem};
  const SigningKey verify_only{other_key_->kid, "", other_key_->public_pem};

  EXPECT_FALSE(TokenSigner::Create(mismatched, {}, kIssuer).has_value());
  EXPECT_FALSE(TokenSigner::Create(no_kid, {}, kIssuer).has_value());
  EXPECT_FALSE(TokenSigner::Create(garbage, {}, kIssuer).has_value());
  EXPECT_FALSE(TokenSigner::Create(*key_, {same_kid}, kIssuer).has_value());
  EXPECT_FALSE(TokenSigner::Create(*key_, {}, "").has_value());
  EXPECT_TRUE(TokenSigner::Create(*key_, {verify_only}, kIssuer).has_value());
}

TEST_F(TokenSignerTest, CreateRejectsOtherCurves) {
  EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  ASSERT_NE(p384, nullptr);
  BIO* private_bio = BIO_new(BIO_s_mem());
  BIO* public_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(private_bio, p384, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(public_bio, p384);
  char* data = nullptr;
  const long private_length = BIO_get_mem_data(private_bio, &data);
  const std::string private_pem(data, static_cast<size_t>(private_length));
  const long public_length = BIO_get_mem_data(public_bio, &data);
  const std::string public_pem(data, static_cast<size_t>(public_length));
  BIO_free(private_bio);
  BIO_free(public_bio);
  EVP_PKEY_free(p384);

  EXPECT_FALSE(TokenSigner::Create({"p384", private_pem, public_pem}, {}, kIssuer).has_value());
}

TEST_F(TokenSignerTest, ConcurrentIssueAndVerify) {
  const TokenSigner signer = MakeSigner();
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&signer, &failures, t] {
      for (int i = 0; i < 100; ++i) {
        AccessClaims claims = SampleClaims();
        claims.jti = "token-" + std::to_string(t) + "-" + std::to_string(i);
        const Result<std::string> token = signer.Issue(claims);
        const Result<AccessClaims> verified =
            token ? signer.Verify(*token, kNow) : Result<AccessClaims>(Fail(token.error()));
        if (!verified || verified->jti != claims.jti) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace openlabs::auth
