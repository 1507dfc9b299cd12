#include "services/auth/crypto/sodium_init.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace openlabs::auth {

void EnsureSodiumInitialized() {
  static const bool initialized = [] {
    // Without an initialized libsodium no salt, key or code made here would be safe, so the
    // process stops.
    if (sodium_init() < 0) {
      std::fputs("libsodium failed to initialize: no randomness source\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)initialized;
}

}  // namespace openlabs::auth
