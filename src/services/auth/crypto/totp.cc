#include "services/auth/crypto/totp.h"

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <utility>

#include "common/random.h"

namespace openlabs::auth {
namespace {

constexpr size_t kSecretBytes = 20;
constexpr int kMinDigits = 6;
constexpr int kMaxDigits = 8;
// The longest base32 secret accepted, which bounds the work done for malformed input. Secrets
// from GenerateTotpSecret have 32 characters.
constexpr size_t kMaxSecretLength = 1024;

struct OathFree {
  void operator()(char* data) const { std::free(data); }
};
using OathBuffer = std::unique_ptr<char, OathFree>;

void EnsureOathInitialized() {
  // liboath documents oath_init() as required before its other functions.
  static const bool initialized = oath_init() == OATH_OK;
  (void)initialized;
}

const EVP_MD* Digest(TotpAlgorithm algorithm) {
  switch (algorithm) {
    case TotpAlgorithm::kSha1:
      return EVP_sha1();
    case TotpAlgorithm::kSha256:
      return EVP_sha256();
    case TotpAlgorithm::kSha512:
      return EVP_sha512();
  }
  return nullptr;
}

std::optional<std::string> DecodeBase32(std::string_view base32_secret) {
  if (base32_secret.empty() || base32_secret.size() > kMaxSecretLength) {
    return std::nullopt;
  }
  // liboath accepts only upper-case letters, but apps and users write secrets in either case.
  std::string upper(base32_secret);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  EnsureOathInitialized();
  char* raw = nullptr;
  size_t length = 0;
  if (oath_base32_decode(upper.data(), upper.size(), &raw, &length) != OATH_OK) {
    return std::nullopt;
  }
  const OathBuffer bytes(raw);
  if (length == 0) {
    return std::nullopt;
  }
  return std::string(bytes.get(), length);
}

// Returns the code of RFC 4226 section 5.3 (dynamic truncation) for one counter value, or
// nullopt when OpenSSL fails.
std::optional<std::string> HotpCode(std::string_view key, uint64_t counter, const EVP_MD* digest,
                                    int digits) {
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_length = 0;
  // Dynamic truncation reads up to byte 18, and SHA-1, the shortest digest here, has 20.
  if (HMAC(digest, key.data(), static_cast<int>(key.size()), message.data(), message.size(),
           mac.data(), &mac_length) == nullptr ||
      mac_length < 20) {
    return std::nullopt;
  }

  const unsigned offset = mac[mac_length - 1] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) {
    modulus *= 10;
  }
  std::string code = std::to_string(binary % modulus);
  code.insert(0, static_cast<size_t>(digits) - code.size(), '0');
  return code;
}

bool IsDigits(std::string_view text) {
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Percent-encodes every byte outside the RFC 3986 unreserved set, so ':' , '&', '?', '#',
// spaces and UTF-8 bytes cannot change the structure of the URI.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    if (IsUnreserved(c)) {
      encoded.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    encoded.push_back('%');
    encoded.push_back(kHex[byte >> 4]);
    encoded.push_back(kHex[byte & 0x0f]);
  }
  return encoded;
}

}  // namespace

std::string GenerateTotpSecret() {
  EnsureOathInitialized();
  const std::string bytes = RandomBytes(kSecretBytes);
  char* raw = nullptr;
  size_t length = 0;
  // With 20 bytes of input, encoding fails only when memory allocation fails, which the rest of
  // the program does not survive either.
  if (oath_base32_encode(bytes.data(), bytes.size(), &raw, &length) != OATH_OK) {
    std::abort();
  }
  const OathBuffer encoded(raw);
  std::string secret(encoded.get(), length);
  while (!secret.empty() && secret.back() == '=') {
    secret.pop_back();
  }
  return secret;
}

Result<std::string> TotpCodeForKey(std::string_view key, int64_t unix_seconds,
                                   TotpAlgorithm algorithm, int digits, int step) {
  if (key.empty()) {
    return Fail(Error::InvalidArgument("The TOTP key is empty."));
  }
  if (digits < kMinDigits || digits > kMaxDigits) {
    return Fail(Error::InvalidArgument("The TOTP code length must be 6 to 8 digits."));
  }
  if (step <= 0) {
    return Fail(Error::InvalidArgument("The TOTP time step must be positive."));
  }
  if (unix_seconds < 0) {
    return Fail(Error::InvalidArgument("The TOTP time must not be before 1970."));
  }
  const auto counter = static_cast<uint64_t>(unix_seconds / step);
  std::optional<std::string> code = HotpCode(key, counter, Digest(algorithm), digits);
  if (!code) {
    return Fail(Error::Internal("HMAC failed while computing a TOTP code"));
  }
  return std::move(*code);
}

Result<std::string> TotpCode(std::string_view base32_secret, int64_t unix_seconds, int digits,
                             int step) {
  const std::optional<std::string> key = DecodeBase32(base32_secret);
  if (!key) {
    return Fail(Error::InvalidArgument("The TOTP secret is not valid base32."));
  }
  return TotpCodeForKey(*key, unix_seconds, TotpAlgorithm::kSha1, digits, step);
}

std::optional<int64_t> VerifyTotp(std::string_view base32_secret, std::string_view code,
                                  int64_t now, int window_steps) {
  if (code.size() != static_cast<size_t>(kTotpDigits) || !IsDigits(code) || now < 0 ||
      window_steps < 0 || window_steps > kMaxTotpWindowSteps) {
    return std::nullopt;
  }
  const std::optional<std::string> key = DecodeBase32(base32_secret);
  if (!key) {
    return std::nullopt;
  }

  const int64_t current = now / kTotpStepSeconds;
  std::optional<int64_t> matched;
  // Every candidate is computed and compared, so the time taken does not tell which step matched.
  for (int64_t counter = current - window_steps; counter <= current + window_steps; ++counter) {
    if (counter < 0) {
      continue;
    }
    const std::optional<std::string> expected =
        HotpCode(*key, static_cast<uint64_t>(counter), EVP_sha1(), kTotpDigits);
    if (expected && CRYPTO_memcmp(expected->data(), code.data(), code.size()) == 0 && !matched) {
      matched = counter;
    }
  }
  return matched;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view base32_secret) {
  const std::string encoded_issuer = PercentEncode(issuer);
  std::string uri = "otpauth://totp/" + encoded_issuer + ":" + PercentEncode(account);
  uri += "?secret=" + PercentEncode(base32_secret);
  uri += "&issuer=" + encoded_issuer;
  uri += "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
  return uri;
}

}  // namespace openlabs::auth
