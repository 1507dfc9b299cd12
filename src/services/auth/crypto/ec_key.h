#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/error.h"

// Internal to the auth crypto library: P-256 key handling with OpenSSL 3, kept apart from the
// token code so that no OpenSSL type leaks into the public headers. All functions are thread-safe.
namespace openlabs::auth {

// The public point of a P-256 key: the affine coordinates as 32-byte big-endian strings.
struct EcPoint {
  std::string x;
  std::string y;
};

// A new P-256 key pair as PEM: the private key in PKCS #8 and the public key as
// SubjectPublicKeyInfo.
struct EcKeyPairPem {
  std::string private_pem;
  std::string public_pem;
};

// Generates a P-256 key pair with OpenSSL's random number generator.
Result<EcKeyPairPem> GenerateP256KeyPair();

// Parses a PEM public key and returns its point. Fails when the PEM is malformed or the key is
// not on the P-256 curve.
Result<EcPoint> ParseP256PublicKey(std::string_view public_pem);

// Checks that `private_pem` is a P-256 private key whose public half is `public_pem`.
Status CheckP256KeyPair(std::string_view private_pem, std::string_view public_pem);

// Computes the RFC 7638 JWK thumbprint of a P-256 public key: the base64url SHA-256 digest of
// {"crv":"P-256","kty":"EC","x":...,"y":...} with the members in that order and no whitespace.
std::string JwkThumbprint(const EcPoint& point);

}  // namespace openlabs::auth
