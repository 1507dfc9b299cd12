#pragma once

#include <openssl/evp.h>

#include <string>

namespace openlabs::storage {

// Finishes the digest in `context` and returns it in lower-case hex.
std::string HexDigest(EVP_MD_CTX* context);

}  // namespace openlabs::storage
