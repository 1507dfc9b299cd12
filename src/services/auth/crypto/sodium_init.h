#pragma once

// Internal to the auth crypto library.
namespace openlabs::auth {

// Runs sodium_init() once per process. libsodium requires it before its random number and
// hashing functions are used. Thread-safe. Aborts the process when libsodium cannot initialize,
// because nothing in this library is safe without it.
void EnsureSodiumInitialized();

}  // namespace openlabs::auth
