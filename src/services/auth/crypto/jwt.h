#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// ES256 (ECDSA P-256 with SHA-256) access tokens, signed with libjwt and OpenSSL.
namespace openlabs::auth {

// The largest access token Verify accepts. Tokens from Issue are a few hundred bytes.
inline constexpr size_t kMaxAccessTokenBytes = 8 * 1024;

// How far in the future Verify accepts an `iat` (issued-at) claim, for clocks of replicas that
// run slightly apart.
inline constexpr int64_t kMaxClockSkewSeconds = 60;

// A P-256 key pair in PEM with its key id, the `kid` header of the tokens it signs.
struct SigningKey {
  std::string kid;
  std::string private_pem;  // PKCS #8; may be empty for a key that only verifies
  std::string public_pem;   // SubjectPublicKeyInfo
};

// Generates a P-256 key pair. The kid is the key's RFC 7638 JWK thumbprint (43 base64url
// characters), so it is stable and unique per key.
Result<SigningKey> GenerateSigningKey();

// The claims of an access token. Times are Unix seconds.
struct AccessClaims {
  std::string subject;     // `sub`: the user id
  std::string username;    // `username`
  std::string role;        // `role`
  std::string jti;         // `jti`: the unique token id
  std::string session_id;  // `sid`: the login session the token belongs to
  int64_t issued_at = 0;   // `iat`
  int64_t expires_at = 0;  // `exp`
};

// Issues and verifies access tokens, and publishes the public keys as a JWKS.
//
// One key signs (the active key). Verification accepts the active key and the `verify_keys`,
// which lets keys rotate: a retired key stays in `verify_keys` until the tokens it signed have
// expired. Instances are immutable, so concurrent calls of all const methods are safe.
class TokenSigner {
 public:
  // Checks the keys and builds a signer. Fails with an internal error when the issuer is empty
  // or a key is unusable. A key is unusable when it has no kid, when a PEM does not parse or is
  // not P-256, when the active private key does not match its public key, or when two keys share
  // a kid but not a public key.
  static Result<TokenSigner> Create(SigningKey active, std::vector<SigningKey> verify_keys,
                                    std::string issuer);

  // Builds a signer without failing: a key whose public PEM does not parse is left out of
  // verification and of the JWKS, and Issue fails when the active key is unusable. Prefer Create,
  // which reports such keys at start-up.
  TokenSigner(SigningKey active, std::vector<SigningKey> verify_keys, std::string issuer);

  // Signs a token with header {alg: ES256, typ: JWT, kid} and the claims iss, sub, username,
  // role, jti, sid, iat, exp and typ = "access". Fails with an internal error when a string claim
  // is empty, `expires_at` is not after `issued_at`, or signing fails.
  Result<std::string> Issue(const AccessClaims& claims) const;

  // Verifies a token at time `now_seconds` and returns its claims. The token must be at most
  // kMaxAccessTokenBytes, use alg ES256 (whatever else its header names, alg=none included), name
  // a known kid, carry a valid signature by that key, our issuer, typ "access" and every claim of
  // AccessClaims, not be expired (`exp` > now), and have `iat` at most kMaxClockSkewSeconds in
  // the future. Fails with Error::Unauthenticated, whose message is safe for clients and whose
  // `internal` field gives the reason for logs.
  Result<AccessClaims> Verify(std::string_view token, int64_t now_seconds) const;

  // Returns the public keys as a JSON Web Key Set (RFC 7517), active key first:
  // {"keys":[{"kty":"EC","crv":"P-256","x":...,"y":...,"kid":...,"alg":"ES256","use":"sig"}]}.
  nlohmann::json Jwks() const;

  const std::string& active_kid() const { return active_.kid; }
  const std::string& issuer() const { return issuer_; }

 private:
  struct VerifyKey {
    std::string kid;
    std::string public_pem;
    nlohmann::json jwk;
  };

  const VerifyKey* FindKey(std::string_view kid) const;

  SigningKey active_;
  std::vector<VerifyKey> verify_keys_;
  std::string issuer_;
};

}  // namespace openlabs::auth
