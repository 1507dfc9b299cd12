#pragma once

#include <optional>
#include <string>
#include <string_view>

// Internal to the auth crypto library.
namespace openlabs::auth {

// Decodes base64url without padding, the encoding of JWT segments and JWK coordinates. Returns
// nullopt when `text` contains padding, whitespace or any character outside the base64url
// alphabet, or has trailing bits that are not zero. Thread-safe.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace openlabs::auth
