#include "services/auth/signing_keys.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "common/clock.h"

namespace openlabs::auth {
namespace {

std::vector<SigningKey> ReadKeys(soci::session& session) {
  std::vector<SigningKey> keys;
  SigningKey key;
  soci::statement select =
      (session.prepare << "SELECT kid, private_pem, public_pem FROM auth_signing_keys "
                          "WHERE active = 1 ORDER BY created_at, kid",
       soci::into(key.kid), soci::into(key.private_pem), soci::into(key.public_pem));
  select.execute();
  while (select.fetch()) {
    keys.push_back(key);
  }
  return keys;
}

}  // namespace

Result<TokenSigner> LoadSigningKeys(storage::Database& database, const std::string& issuer) {
  Result<std::vector<SigningKey>> keys = database.InTransaction<std::vector<SigningKey>>(
      [](soci::session& session) -> Result<std::vector<SigningKey>> {
        std::vector<SigningKey> existing = ReadKeys(session);
        if (!existing.empty()) {
          return existing;
        }
        Result<SigningKey> generated = GenerateSigningKey();
        if (!generated) {
          return Fail(generated.error());
        }
        const long long now = NowMillis();
        session << "INSERT INTO auth_signing_keys (kid, private_pem, public_pem, active, "
                   "created_at) VALUES (:kid, :private_pem, :public_pem, 1, :created_at)",
            soci::use(generated->kid), soci::use(generated->private_pem),
            soci::use(generated->public_pem), soci::use(now);
        spdlog::info("generated access-token signing key kid={}", generated->kid);
        return std::vector<SigningKey>{*generated};
      });
  if (!keys) {
    return Fail(keys.error());
  }
  SigningKey active = keys->front();
  return TokenSigner::Create(std::move(active), std::move(*keys), issuer);
}

}  // namespace openlabs::auth
