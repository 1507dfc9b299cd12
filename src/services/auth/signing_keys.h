#pragma once

#include "common/error.h"
#include "services/auth/crypto/jwt.h"
#include "storage/database.h"

namespace openlabs::auth {

// Builds the token signer from the keys in auth_signing_keys, generating and storing a key when
// there is none. The oldest active key signs and every stored key verifies, so processes that
// start at the same time on one database converge on the same signing key.
// NOTE: private keys are stored unencrypted in the database; protect its files and backups.
Result<TokenSigner> LoadSigningKeys(storage::Database& database, const std::string& issuer);

}  // namespace openlabs::auth
