#include "storage/migrations.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "common/clock.h"

namespace openlabs::storage {
namespace {

// An arbitrary constant that names the migration lock among PostgreSQL advisory locks.
constexpr long long kMigrationLockKey = 0x6f70656e6c616273;  // "openlabs"

void EnsureMigrationsTable(soci::session& session) {
  session << "CREATE TABLE IF NOT EXISTS schema_migrations ("
             "service TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, "
             "applied_at BIGINT NOT NULL, PRIMARY KEY (service, version))";
}

bool IsApplied(soci::session& session, std::string_view service, int version) {
  int count = 0;
  const std::string service_name(service);
  session << "SELECT COUNT(*) FROM schema_migrations WHERE service = :service AND "
             "version = :version",
      soci::use(service_name), soci::use(version), soci::into(count);
  return count > 0;
}

}  // namespace

Result<int> ApplyMigrations(Database& database, std::string_view service,
                            std::span<const Migration> migrations) {
  std::vector<Migration> ordered(migrations.begin(), migrations.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });

  soci::session session(database.pool());
  const Dialect dialect = database.dialect();
  int applied = 0;
  try {
    if (dialect == Dialect::kPostgres) {
      session << "SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")";
    }
    EnsureMigrationsTable(session);
    for (const Migration& migration : ordered) {
      session << (dialect == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
      if (IsApplied(session, service, migration.version)) {
        session << "ROLLBACK";
        continue;
      }
      const std::string_view sql =
          dialect == Dialect::kSqlite ? migration.sqlite_sql : migration.postgres_sql;
      Database::ExecuteScript(session, dialect, std::string(sql));
      const std::string service_name(service);
      const std::string name(migration.name);
      const long long now = NowMillis();
      session << "INSERT INTO schema_migrations (service, version, name, applied_at) "
                 "VALUES (:service, :version, :name, :applied_at)",
          soci::use(service_name), soci::use(migration.version), soci::use(name),
          soci::use(now);
      session << "COMMIT";
      spdlog::info("applied migration {} {:04}_{}", service, migration.version, migration.name);
      ++applied;
    }
    if (dialect == Dialect::kPostgres) {
      session << "SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")";
    }
  } catch (const soci::soci_error& error) {
    try {
      session << "ROLLBACK";
      if (dialect == Dialect::kPostgres) {
        session << "SELECT pg_advisory_unlock_all()";
      }
    } catch (const soci::soci_error&) {
      // The connection is unusable; the pool will surface that on the next use.
    }
    return Fail(Error::Internal("migration of " + std::string(service) +
                                " failed: " + error.what()));
  }
  return applied;
}

}  // namespace openlabs::storage
