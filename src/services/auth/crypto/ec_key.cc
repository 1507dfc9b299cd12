#include "services/auth/crypto/ec_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <array>
#include <memory>

#include "common/random.h"

namespace openlabs::auth {
namespace {

constexpr size_t kCoordinateBytes = 32;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BignumDeleter {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumDeleter>;

// A passphrase callback that supplies none, so an encrypted PEM fails to load instead of
// OpenSSL prompting on the terminal.
int NoPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user_data*/) { return -1; }

BioPtr ReadOnlyBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) {
    return false;
  }
  char group[64] = {};
  size_t group_length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &group_length) != 1) {
    return false;
  }
  return std::string_view(group, group_length) == "prime256v1";
}

Result<PkeyPtr> ReadP256PublicKey(std::string_view pem) {
  BioPtr bio = ReadOnlyBio(pem);
  PkeyPtr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    return Fail(Error::Internal("the public key is not a valid PEM public key"));
  }
  if (!IsP256(key.get())) {
    return Fail(Error::Internal("the public key is not a P-256 key"));
  }
  return key;
}

Result<PkeyPtr> ReadP256PrivateKey(std::string_view pem) {
  BioPtr bio = ReadOnlyBio(pem);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr);
  if (!key) {
    return Fail(Error::Internal("the private key is not a valid unencrypted PEM private key"));
  }
  if (!IsP256(key.get())) {
    return Fail(Error::Internal("the private key is not a P-256 key"));
  }
  return key;
}

Result<std::string> Coordinate(EVP_PKEY* key, const char* param_name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, param_name, &raw) != 1) {
    return Fail(Error::Internal(std::string("cannot read the EC coordinate ") + param_name));
  }
  const BignumPtr number(raw);
  // JWK coordinates have the full length of the field (RFC 7518 section 6.2.1.2), so leading
  // zero bytes are kept.
  std::string bytes(kCoordinateBytes, '\0');
  if (BN_bn2binpad(number.get(), reinterpret_cast<unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size())) != static_cast<int>(kCoordinateBytes)) {
    return Fail(Error::Internal("an EC coordinate does not fit in 32 bytes"));
  }
  return bytes;
}

Result<std::string> WritePem(EVP_PKEY* key, bool private_key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) {
    return Fail(Error::Internal("BIO_new failed"));
  }
  const int rc =
      private_key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                  : PEM_write_bio_PUBKEY(bio.get(), key);
  if (rc != 1) {
    return Fail(Error::Internal("writing a PEM key failed"));
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

}  // namespace

Result<EcKeyPairPem> GenerateP256KeyPair() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    return Fail(Error::Internal("generating a P-256 key failed"));
  }
  Result<std::string> private_pem = WritePem(key.get(), /*private_key=*/true);
  if (!private_pem) {
    return Fail(private_pem.error());
  }
  Result<std::string> public_pem = WritePem(key.get(), /*private_key=*/false);
  if (!public_pem) {
    return Fail(public_pem.error());
  }
  return EcKeyPairPem{std::move(*private_pem), std::move(*public_pem)};
}

Result<EcPoint> ParseP256PublicKey(std::string_view public_pem) {
  Result<PkeyPtr> key = ReadP256PublicKey(public_pem);
  if (!key) {
    return Fail(key.error());
  }
  Result<std::string> x = Coordinate(key->get(), OSSL_PKEY_PARAM_EC_PUB_X);
  if (!x) {
    return Fail(x.error());
  }
  Result<std::string> y = Coordinate(key->get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!y) {
    return Fail(y.error());
  }
  return EcPoint{std::move(*x), std::move(*y)};
}

Status CheckP256KeyPair(std::string_view private_pem, std::string_view public_pem) {
  Result<PkeyPtr> private_key = ReadP256PrivateKey(private_pem);
  if (!private_key) {
    return Fail(private_key.error());
  }
  Result<PkeyPtr> public_key = ReadP256PublicKey(public_pem);
  if (!public_key) {
    return Fail(public_key.error());
  }
  // EVP_PKEY_eq compares the public components, which a private key also carries.
  if (EVP_PKEY_eq(private_key->get(), public_key->get()) != 1) {
    return Fail(Error::Internal("the private key does not belong to the public key"));
  }
  return {};
}

std::string JwkThumbprint(const EcPoint& point) {
  const std::string canonical = R"({"crv":"P-256","kty":"EC","x":")" + Base64UrlEncode(point.x) +
                                R"(","y":")" + Base64UrlEncode(point.y) + R"("})";
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest.data());
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

}  // namespace openlabs::auth
