// Access tokens that must not authenticate: expired, tampered, unsigned, of another type, from
// another issuer or key. The tokens are crafted here with libjwt and the server's own signing
// key, read from its database, so that only the rejected property differs from a valid token.
#include <jwt.h>

#include <chrono>
#include <cstdlib>

#include "api_test.h"
#include "services/auth/crypto/jwt.h"

namespace openlabs::integration {
namespace {

constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64UrlAlphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) {
    out += kBase64UrlAlphabet[(buffer << (6 - bits)) & 0x3f];
  }
  return out;
}

std::string Base64UrlDecode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const size_t value = kBase64UrlAlphabet.find(c);
    if (value == std::string_view::npos) {
      return "";
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

std::vector<std::string> SplitToken(const std::string& token) {
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

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Signs `claims` with libjwt, header {alg, typ: JWT, kid}. `key` is a PEM for ES256 or the
// secret for HS256.
std::string SignWithLibjwt(jwt_alg_t alg, const std::string& key, const std::string& kid,
                           const nlohmann::json& claims) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) {
    ADD_FAILURE() << "jwt_new failed";
    return "";
  }
  std::string token;
  if (jwt_add_header(jwt, "kid", kid.c_str()) == 0 &&
      jwt_add_grants_json(jwt, claims.dump().c_str()) == 0 &&
      jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) == 0) {
    if (char* encoded = jwt_encode_str(jwt)) {
      token = encoded;
      std::free(encoded);
    }
  }
  jwt_free(jwt);
  EXPECT_FALSE(token.empty()) << "libjwt failed to sign a test token";
  return token;
}

class TokenRejectionTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    user_ = Register("token");
    const std::vector<std::string> segments = SplitToken(user_.access_token);
    ASSERT_EQ(segments.size(), 3u) << user_.access_token;
    header_ = nlohmann::json::parse(Base64UrlDecode(segments[0]), nullptr, false);
    claims_ = nlohmann::json::parse(Base64UrlDecode(segments[1]), nullptr, false);
    ASSERT_TRUE(header_.is_object()) << segments[0];
    ASSERT_TRUE(claims_.is_object()) << segments[1];
    kid_ = header_.value("kid", "");
    ASSERT_FALSE(kid_.empty());
    ReadSigningKey();
  }

  void ReadSigningKey() {
    std::unique_ptr<storage::Database> database = OpenDatabase();
    ASSERT_NE(database, nullptr);
    Result<int> read = database->WithSession<int>([&](soci::session& session) -> Result<int> {
      session << "SELECT private_pem, public_pem FROM auth_signing_keys WHERE kid = :kid",
          soci::use(kid_), soci::into(private_pem_), soci::into(public_pem_);
      return 0;
    });
    ASSERT_TRUE(read) << read.error().internal;
    ASSERT_FALSE(private_pem_.empty()) << "no signing key with kid " << kid_;
  }

  std::string SignEs256(const nlohmann::json& claims) {
    return SignWithLibjwt(JWT_ALG_ES256, private_pem_, kid_, claims);
  }

  HttpResponse Me(const std::string& access_token) {
    return client().Get("/api/v1/users/me", access_token);
  }

  void ExpectRejected(const std::string& access_token) {
    ExpectErrorResponse(Me(access_token), 401, "unauthenticated");
  }

  TestUser user_;
  nlohmann::json header_;
  nlohmann::json claims_;
  std::string kid_;
  std::string private_pem_;
  std::string public_pem_;
};

// The control for every other test here: a token crafted the same way with nothing wrong is
// accepted, so a rejection below is caused by the one property that differs.
TEST_P(TokenRejectionTest, ResignedValidTokenIsAccepted) {
  nlohmann::json claims = claims_;
  claims["jti"] = claims.value("jti", "") + "-copy";
  const HttpResponse response = Me(SignEs256(claims));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json().value("id", int64_t{0}), user_.id);
}

TEST_P(TokenRejectionTest, ExpiredTokenIsRejected) {
  nlohmann::json claims = claims_;
  claims["iat"] = NowSeconds() - 3600;
  claims["exp"] = NowSeconds() - 1800;
  ExpectRejected(SignEs256(claims));
}

TEST_P(TokenRejectionTest, TokenExpiringNowIsRejected) {
  nlohmann::json claims = claims_;
  claims["iat"] = NowSeconds() - 60;
  claims["exp"] = NowSeconds();
  ExpectRejected(SignEs256(claims));
}

TEST_P(TokenRejectionTest, TokenIssuedInFutureIsRejected) {
  nlohmann::json claims = claims_;
  claims["iat"] = NowSeconds() + 3600;
  claims["exp"] = NowSeconds() + 7200;
  ExpectRejected(SignEs256(claims));
}

TEST_P(TokenRejectionTest, FlippedPayloadCharacterIsRejected) {
  std::vector<std::string> segments = SplitToken(user_.access_token);
  char& target = segments[1][segments[1].size() / 2];
  target = target == 'A' ? 'B' : 'A';
  ExpectRejected(segments[0] + "." + segments[1] + "." + segments[2]);
}

TEST_P(TokenRejectionTest, FlippedSignatureCharacterIsRejected) {
  std::vector<std::string> segments = SplitToken(user_.access_token);
  char& target = segments[2][segments[2].size() / 2];
  target = target == 'A' ? 'B' : 'A';
  ExpectRejected(segments[0] + "." + segments[1] + "." + segments[2]);
}

TEST_P(TokenRejectionTest, EscalatedRoleWithOldSignatureIsRejected) {
  const std::vector<std::string> segments = SplitToken(user_.access_token);
  nlohmann::json claims = claims_;
  claims["role"] = "admin";
  ExpectRejected(segments[0] + "." + Base64UrlEncode(claims.dump()) + "." + segments[2]);
}

TEST_P(TokenRejectionTest, AlgNoneIsRejected) {
  nlohmann::json header = {{"alg", "none"}, {"typ", "JWT"}, {"kid", kid_}};
  const std::string unsigned_token =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims_.dump()) + ".";
  ExpectRejected(unsigned_token);

  // The same with the original signature left in place.
  ExpectRejected(unsigned_token + SplitToken(user_.access_token)[2]);
}

TEST_P(TokenRejectionTest, RefreshTypIsRejected) {
  nlohmann::json claims = claims_;
  claims["typ"] = "refresh";
  ExpectRejected(SignEs256(claims));
}

TEST_P(TokenRejectionTest, MissingTypIsRejected) {
  nlohmann::json claims = claims_;
  claims.erase("typ");
  ExpectRejected(SignEs256(claims));
}

TEST_P(TokenRejectionTest, OtherIssuerIsRejected) {
  nlohmann::json claims = claims_;
  claims["iss"] = "someone-else";
  ExpectRejected(SignEs256(claims));
}

TEST_P(TokenRejectionTest, UnknownKidIsRejected) {
  ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, private_pem_, "unknown-kid", claims_));
}

TEST_P(TokenRejectionTest, ForeignKeyWithServerKidIsRejected) {
  Result<auth::SigningKey> foreign = auth::GenerateSigningKey();
  ASSERT_TRUE(foreign) << foreign.error().internal;
  ExpectRejected(SignWithLibjwt(JWT_ALG_ES256, foreign->private_pem, kid_, claims_));
}

// The classic algorithm confusion: HMAC keyed with the server's public key, which is public.
TEST_P(TokenRejectionTest, Hs256KeyedWithPublicKeyIsRejected) {
  ExpectRejected(SignWithLibjwt(JWT_ALG_HS256, public_pem_, kid_, claims_));
}

TEST_P(TokenRejectionTest, RefreshTokenAsAccessTokenIsRejected) {
  ExpectRejected(user_.refresh_token);
}

TEST_P(TokenRejectionTest, MalformedAuthorizationIsRejected) {
  const std::vector<std::string> headers = {
      "Authorization: Basic YWRhOnBhc3N3b3Jk", "Authorization: Bearer",
      "Authorization: Bearer not.a.token",     "Authorization: Bearer " + std::string(9000, 'a'),
      "Authorization: " + user_.access_token,
  };
  for (const std::string& header : headers) {
    SCOPED_TRACE(header.substr(0, 60));
    const HttpResponse response =
        client().Send({.path = "/api/v1/users/me", .extra_headers = {header}});
    ExpectErrorResponse(response, 401, "unauthenticated");
  }
}

TEST_P(TokenRejectionTest, LowerCaseBearerSchemeIsAccepted) {
  const HttpResponse response =
      client().Send({.path = "/api/v1/users/me",
                     .extra_headers = {"Authorization: bearer " + user_.access_token}});
  EXPECT_EQ(response.status, 200) << response.body;
}

INSTANTIATE_TEST_SUITE_P(Dialects, TokenRejectionTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
