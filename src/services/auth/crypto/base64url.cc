#include "services/auth/crypto/base64url.h"

#include <sodium.h>

#include "services/auth/crypto/sodium_init.h"

namespace openlabs::auth {

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  EnsureSodiumInitialized();
  std::string bytes(text.size() * 3 / 4 + 1, '\0');
  size_t length = 0;
  const char* end = nullptr;
  // No characters are ignored, and `end` must reach the end of the input, so the decoding is
  // strict: a token cannot carry extra characters that another parser would read differently.
  const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(),
                                   text.data(), text.size(), nullptr, &length, &end,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  if (rc != 0 || end != text.data() + text.size()) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

}  // namespace openlabs::auth
