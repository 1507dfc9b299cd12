#include "services/auth/crypto/jwt.h"

#include <jwt.h>

#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include "common/random.h"
#include "services/auth/crypto/base64url.h"
#include "services/auth/crypto/ec_key.h"

namespace openlabs::auth {
namespace {

constexpr std::string_view kAlgorithm = "ES256";
constexpr std::string_view kTokenType = "access";
// An ES256 signature is the 32-byte r and the 32-byte s concatenated (RFC 7518 section 3.4).
constexpr size_t kSignatureBytes = 64;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
struct MallocDeleter {
  void operator()(char* text) const { std::free(text); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;
using MallocString = std::unique_ptr<char, MallocDeleter>;

Error Invalid(std::string reason) {
  Error error = Error::Unauthenticated("The access token is invalid.");
  error.internal = std::move(reason);
  return error;
}

Error Expired() {
  Error error = Error::Unauthenticated("The access token has expired.");
  error.internal = "the access token has expired";
  return error;
}

struct TokenSegments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
};

std::optional<TokenSegments> SplitToken(std::string_view token) {
  const size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) {
    return std::nullopt;
  }
  const size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return TokenSegments{token.substr(0, first_dot),
                       token.substr(first_dot + 1, second_dot - first_dot - 1),
                       token.substr(second_dot + 1)};
}

// Checks the parts of the token that libjwt 1.10 does not check or trusts blindly, before any
// key is chosen. libjwt verifies with whatever alg the header names, so an HS256 token whose
// HMAC key is our public PEM would pass it. Returns the kid.
Result<std::string> CheckSegments(const TokenSegments& segments) {
  const std::optional<std::string> header_json = Base64UrlDecode(segments.header);
  if (!header_json || header_json->empty()) {
    return Fail(Invalid("the header is not base64url"));
  }
  const std::optional<std::string> payload_json = Base64UrlDecode(segments.payload);
  if (!payload_json || payload_json->empty()) {
    return Fail(Invalid("the payload is not base64url"));
  }
  const std::optional<std::string> signature = Base64UrlDecode(segments.signature);
  if (!signature || signature->size() != kSignatureBytes) {
    return Fail(Invalid("the signature is not a base64url ES256 signature"));
  }

  const nlohmann::json header = nlohmann::json::parse(*header_json, nullptr, false);
  if (!header.is_object()) {
    return Fail(Invalid("the header is not a JSON object"));
  }
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != kAlgorithm) {
    return Fail(Invalid("the header alg is not ES256"));
  }
  const auto typ = header.find("typ");
  if (typ != header.end() && (!typ->is_string() || typ->get<std::string>() != "JWT")) {
    return Fail(Invalid("the header typ is not JWT"));
  }
  // RFC 7515 section 4.1.11 requires rejecting critical extensions that we do not implement.
  if (header.contains("crit")) {
    return Fail(Invalid("the header has a crit parameter"));
  }
  const auto kid = header.find("kid");
  if (kid == header.end() || !kid->is_string() || kid->get<std::string>().empty()) {
    return Fail(Invalid("the header has no kid"));
  }
  return kid->get<std::string>();
}

// Verifies the signature with libjwt and returns the claims as libjwt parsed them.
Result<nlohmann::json> DecodeVerified(std::string_view token, std::string_view kid,
                                      std::string_view public_pem) {
  const std::string terminated(token);
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, terminated.c_str(),
                            reinterpret_cast<const unsigned char*>(public_pem.data()),
                            static_cast<int>(public_pem.size()));
  const JwtPtr jwt(raw);
  if (rc != 0 || !jwt) {
    return Fail(
        Invalid("the signature does not verify (jwt_decode error " + std::to_string(rc) + ")"));
  }
  // The algorithm is checked again on libjwt's own reading of the header, in case its JSON parser
  // and ours disagree.
  if (jwt_get_alg(jwt.get()) != JWT_ALG_ES256) {
    return Fail(Invalid("libjwt read an alg other than ES256"));
  }
  const char* decoded_kid = jwt_get_header(jwt.get(), "kid");
  if (decoded_kid == nullptr || kid != decoded_kid) {
    return Fail(Invalid("libjwt read another kid"));
  }

  const MallocString grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) {
    return Fail(Invalid("the token has no claims"));
  }
  nlohmann::json claims = nlohmann::json::parse(grants.get(), nullptr, false);
  if (!claims.is_object()) {
    return Fail(Invalid("the claims are not a JSON object"));
  }
  return claims;
}

std::optional<std::string> NonEmptyString(const nlohmann::json& claims, const char* name) {
  const auto value = claims.find(name);
  if (value == claims.end() || !value->is_string() || value->get<std::string>().empty()) {
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<int64_t> IntegerClaim(const nlohmann::json& claims, const char* name) {
  const auto value = claims.find(name);
  if (value == claims.end() || !value->is_number_integer()) {
    return std::nullopt;
  }
  if (value->is_number_unsigned() &&
      value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return value->get<int64_t>();
}

Result<AccessClaims> ReadClaims(const nlohmann::json& claims, std::string_view issuer,
                                int64_t now_seconds) {
  const std::optional<std::string> iss = NonEmptyString(claims, "iss");
  if (!iss || *iss != issuer) {
    return Fail(Invalid("the iss claim is not our issuer"));
  }
  const std::optional<std::string> typ = NonEmptyString(claims, "typ");
  if (!typ || *typ != kTokenType) {
    return Fail(Invalid("the typ claim is not \"access\""));
  }

  AccessClaims result;
  const std::pair<const char*, std::string*> strings[] = {
      {"sub", &result.subject}, {"username", &result.username}, {"role", &result.role},
      {"jti", &result.jti},     {"sid", &result.session_id},
  };
  for (const auto& [name, field] : strings) {
    std::optional<std::string> value = NonEmptyString(claims, name);
    if (!value) {
      return Fail(Invalid(std::string("the ") + name + " claim is missing or empty"));
    }
    *field = std::move(*value);
  }
  const std::optional<int64_t> iat = IntegerClaim(claims, "iat");
  const std::optional<int64_t> exp = IntegerClaim(claims, "exp");
  if (!iat || !exp) {
    return Fail(Invalid("the iat or exp claim is missing or not an integer"));
  }
  result.issued_at = *iat;
  result.expires_at = *exp;

  if (*exp <= now_seconds) {
    return Fail(Expired());
  }
  if (*iat > now_seconds + kMaxClockSkewSeconds) {
    return Fail(Invalid("the iat claim is in the future"));
  }
  const std::optional<int64_t> nbf = IntegerClaim(claims, "nbf");
  if (claims.contains("nbf") && (!nbf || *nbf > now_seconds + kMaxClockSkewSeconds)) {
    return Fail(Invalid("the nbf claim is invalid or in the future"));
  }
  return result;
}

nlohmann::json MakeJwk(const std::string& kid, const EcPoint& point) {
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", Base64UrlEncode(point.x)},
          {"y", Base64UrlEncode(point.y)},
          {"kid", kid},
          {"alg", kAlgorithm},
          {"use", "sig"}};
}

Status CheckClaimsToIssue(const AccessClaims& claims) {
  if (claims.subject.empty() || claims.username.empty() || claims.role.empty() ||
      claims.jti.empty() || claims.session_id.empty()) {
    return Fail(Error::Internal("an access token claim to issue is empty"));
  }
  if (claims.expires_at <= claims.issued_at) {
    return Fail(Error::Internal("an access token to issue expires before it is issued"));
  }
  return {};
}

Status AddClaims(jwt_t* jwt, const AccessClaims& claims, const std::string& issuer) {
  const std::pair<const char*, const std::string*> strings[] = {
      {"iss", &issuer},       {"sub", &claims.subject}, {"username", &claims.username},
      {"role", &claims.role}, {"jti", &claims.jti},     {"sid", &claims.session_id},
  };
  for (const auto& [name, value] : strings) {
    if (jwt_add_grant(jwt, name, value->c_str()) != 0) {
      return Fail(Error::Internal(std::string("jwt_add_grant failed for ") + name));
    }
  }
  if (jwt_add_grant(jwt, "typ", std::string(kTokenType).c_str()) != 0 ||
      jwt_add_grant_int(jwt, "iat", claims.issued_at) != 0 ||
      jwt_add_grant_int(jwt, "exp", claims.expires_at) != 0) {
    return Fail(Error::Internal("jwt_add_grant failed for typ, iat or exp"));
  }
  return {};
}

}  // namespace

Result<SigningKey> GenerateSigningKey() {
  Result<EcKeyPairPem> pair = GenerateP256KeyPair();
  if (!pair) {
    return Fail(pair.error());
  }
  Result<EcPoint> point = ParseP256PublicKey(pair->public_pem);
  if (!point) {
    return Fail(point.error());
  }
  return SigningKey{JwkThumbprint(*point), std::move(pair->private_pem),
                    std::move(pair->public_pem)};
}

Result<TokenSigner> TokenSigner::Create(SigningKey active, std::vector<SigningKey> verify_keys,
                                        std::string issuer) {
  if (issuer.empty()) {
    return Fail(Error::Internal("the token issuer is empty"));
  }
  if (Status pair = CheckP256KeyPair(active.private_pem, active.public_pem); !pair) {
    return Fail(Error::Internal("signing key " + active.kid + ": " + pair.error().internal));
  }
  std::vector<const SigningKey*> all_keys = {&active};
  for (const SigningKey& key : verify_keys) {
    all_keys.push_back(&key);
  }
  for (size_t i = 0; i < all_keys.size(); ++i) {
    const SigningKey& key = *all_keys[i];
    if (key.kid.empty()) {
      return Fail(Error::Internal("a signing key has an empty kid"));
    }
    if (Result<EcPoint> point = ParseP256PublicKey(key.public_pem); !point) {
      return Fail(Error::Internal("signing key " + key.kid + ": " + point.error().internal));
    }
    for (size_t j = 0; j < i; ++j) {
      if (all_keys[j]->kid == key.kid && all_keys[j]->public_pem != key.public_pem) {
        return Fail(Error::Internal("two signing keys share the kid " + key.kid));
      }
    }
  }
  return TokenSigner(std::move(active), std::move(verify_keys), std::move(issuer));
}

TokenSigner::TokenSigner(SigningKey active, std::vector<SigningKey> verify_keys, std::string issuer)
    : active_(std::move(active)), issuer_(std::move(issuer)) {
  auto add_key = [this](const SigningKey& key) {
    if (key.kid.empty() || FindKey(key.kid) != nullptr) {
      return;
    }
    Result<EcPoint> point = ParseP256PublicKey(key.public_pem);
    if (!point) {
      return;
    }
    verify_keys_.push_back(VerifyKey{key.kid, key.public_pem, MakeJwk(key.kid, *point)});
  };
  add_key(active_);
  for (const SigningKey& key : verify_keys) {
    add_key(key);
  }
}

const TokenSigner::VerifyKey* TokenSigner::FindKey(std::string_view kid) const {
  for (const VerifyKey& key : verify_keys_) {
    if (key.kid == kid) {
      return &key;
    }
  }
  return nullptr;
}

Result<std::string> TokenSigner::Issue(const AccessClaims& claims) const {
  if (Status valid = CheckClaimsToIssue(claims); !valid) {
    return Fail(valid.error());
  }
  if (active_.kid.empty() || active_.private_pem.empty()) {
    return Fail(Error::Internal("the active signing key has no kid or no private key"));
  }

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) {
    return Fail(Error::Internal("jwt_new failed"));
  }
  const JwtPtr jwt(raw);
  if (jwt_add_header(jwt.get(), "kid", active_.kid.c_str()) != 0 ||
      jwt_add_header(jwt.get(), "typ", "JWT") != 0) {
    return Fail(Error::Internal("jwt_add_header failed"));
  }
  if (Status added = AddClaims(jwt.get(), claims, issuer_); !added) {
    return Fail(added.error());
  }
  if (jwt_set_alg(jwt.get(), JWT_ALG_ES256,
                  reinterpret_cast<const unsigned char*>(active_.private_pem.data()),
                  static_cast<int>(active_.private_pem.size())) != 0) {
    return Fail(Error::Internal("jwt_set_alg failed"));
  }

  const MallocString token(jwt_encode_str(jwt.get()));
  if (!token) {
    return Fail(Error::Internal(
        "jwt_encode_str failed, so check that the active private key is a valid P-256 PEM"));
  }
  return std::string(token.get());
}

Result<AccessClaims> TokenSigner::Verify(std::string_view token, int64_t now_seconds) const {
  if (token.size() > kMaxAccessTokenBytes) {
    return Fail(
        Invalid("the token is larger than " + std::to_string(kMaxAccessTokenBytes) + " bytes"));
  }
  const std::optional<TokenSegments> segments = SplitToken(token);
  if (!segments) {
    return Fail(Invalid("the token does not have three segments"));
  }
  Result<std::string> kid = CheckSegments(*segments);
  if (!kid) {
    return Fail(kid.error());
  }
  const VerifyKey* key = FindKey(*kid);
  if (key == nullptr) {
    return Fail(Invalid("the kid is unknown"));
  }

  Result<nlohmann::json> claims = DecodeVerified(token, *kid, key->public_pem);
  if (!claims) {
    return Fail(claims.error());
  }
  return ReadClaims(*claims, issuer_, now_seconds);
}

nlohmann::json TokenSigner::Jwks() const {
  nlohmann::json keys = nlohmann::json::array();
  for (const VerifyKey& key : verify_keys_) {
    keys.push_back(key.jwk);
  }
  return {{"keys", std::move(keys)}};
}

}  // namespace openlabs::auth
