#include "common/random.h"

#include <openssl/sha.h>
#include <sodium.h>

#include <array>
#include <stdexcept>

namespace openlabs {
namespace {

void EnsureSodium() {
  static const bool initialized = [] {
    if (sodium_init() < 0) {
      throw std::runtime_error("libsodium failed to initialize");
    }
    return true;
  }();
  (void)initialized;
}

}  // namespace

std::string RandomBytes(size_t count) {
  EnsureSodium();
  std::string bytes(count, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return bytes;
}

std::string RandomToken(size_t byte_count) { return Base64UrlEncode(RandomBytes(byte_count)); }

std::string NewUuid() {
  std::string bytes = RandomBytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  uuid.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      uuid.push_back('-');
    }
    const auto byte = static_cast<unsigned char>(bytes[i]);
    uuid.push_back(kHex[byte >> 4]);
    uuid.push_back(kHex[byte & 0x0f]);
  }
  return uuid;
}

std::string Base64UrlEncode(std::string_view bytes) {
  EnsureSodium();
  std::string encoded(
      sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(),
                    reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  encoded.resize(encoded.size() - 1);  // drop the terminating NUL that the length includes
  return encoded;
}

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (const unsigned char byte : digest) {
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0x0f]);
  }
  return hex;
}

}  // namespace openlabs
