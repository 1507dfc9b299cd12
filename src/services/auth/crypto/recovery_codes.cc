#include "services/auth/crypto/recovery_codes.h"

#include "common/random.h"

namespace openlabs::auth {
namespace {

// Crockford's base32: 32 symbols, so 5 random bits pick one without bias.
constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";
constexpr int kGroups = 3;
constexpr int kGroupLength = 4;

std::string GenerateRecoveryCode() {
  const std::string bytes = RandomBytes(kGroups * kGroupLength);
  std::string code;
  code.reserve(kGroups * (kGroupLength + 1));
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && i % kGroupLength == 0) {
      code.push_back('-');
    }
    code.push_back(kAlphabet[static_cast<unsigned char>(bytes[i]) & 0x1f]);
  }
  return code;
}

}  // namespace

std::vector<std::string> GenerateRecoveryCodes(int count) {
  std::vector<std::string> codes;
  if (count <= 0) {
    return codes;
  }
  codes.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    codes.push_back(GenerateRecoveryCode());
  }
  return codes;
}

std::string NormalizeRecoveryCode(std::string_view code) {
  std::string normalized;
  normalized.reserve(code.size());
  for (char c : code) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c == 'o') {
      c = '0';
    } else if (c == 'i' || c == 'l') {
      c = '1';
    }
    normalized.push_back(c);
  }
  return normalized;
}

std::string HashRecoveryCode(std::string_view code) {
  return Sha256Hex(NormalizeRecoveryCode(code));
}

}  // namespace openlabs::auth
