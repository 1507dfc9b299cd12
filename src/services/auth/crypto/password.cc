#include "services/auth/crypto/password.h"

#include <sodium.h>

#include <cstddef>
#include <string>
#include <unordered_set>

#include "services/auth/crypto/sodium_init.h"

namespace openlabs::auth {
namespace internal {

// Defined in common_passwords_data.cc, which the build generates from common_passwords.txt.
extern const unsigned char kCommonPasswordsData[];
extern const std::size_t kCommonPasswordsDataSize;

}  // namespace internal

namespace {

constexpr unsigned long long kOpsLimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
constexpr size_t kMemLimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;

std::string AsciiLower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return lower;
}

std::unordered_set<std::string> ParseCommonPasswords() {
  const std::string_view data(reinterpret_cast<const char*>(internal::kCommonPasswordsData),
                              internal::kCommonPasswordsDataSize);
  std::unordered_set<std::string> passwords;
  passwords.reserve(10'000);
  size_t start = 0;
  while (start < data.size()) {
    size_t end = data.find('\n', start);
    if (end == std::string_view::npos) {
      end = data.size();
    }
    std::string_view line = data.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (!line.empty() && line.front() != '#') {
      passwords.insert(AsciiLower(line));
    }
    start = end + 1;
  }
  return passwords;
}

const std::unordered_set<std::string>& CommonPasswords() {
  // C++ initializes a function-local static once, even when the first calls are concurrent.
  static const std::unordered_set<std::string> passwords = ParseCommonPasswords();
  return passwords;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  EnsureSodiumInitialized();
  char hash[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(hash, password.data(), password.size(), kOpsLimit, kMemLimit) !=
      0) {
    return Fail(Error::Internal("crypto_pwhash_argon2id_str failed (out of memory)"));
  }
  return std::string(hash);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  EnsureSodiumInitialized();
  // libsodium reads the hash as a NUL-terminated string, so it must fit with its terminator and
  // contain no NUL of its own.
  if (stored_hash.empty() || stored_hash.size() >= crypto_pwhash_STRBYTES ||
      stored_hash.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string terminated(stored_hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view stored_hash) {
  EnsureSodiumInitialized();
  if (stored_hash.size() >= crypto_pwhash_STRBYTES ||
      stored_hash.find('\0') != std::string_view::npos) {
    return true;
  }
  const std::string terminated(stored_hash);
  // Returns 1 for other parameters and -1 for another algorithm or a malformed string.
  return crypto_pwhash_argon2id_str_needs_rehash(terminated.c_str(), kOpsLimit, kMemLimit) != 0;
}

bool IsCommonPassword(std::string_view password) {
  return CommonPasswords().contains(AsciiLower(password));
}

}  // namespace openlabs::auth
