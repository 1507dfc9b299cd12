#pragma once

#include <span>
#include <string_view>

#include "common/error.h"
#include "storage/database.h"

namespace openlabs::storage {

// One numbered schema change of a service, written once per SQL dialect.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sqlite_sql;
  std::string_view postgres_sql;
};

// Applies the migrations of `service` that are not yet recorded in `schema_migrations`, in
// version order, each in its own transaction together with its record. Safe to call from
// several processes at once: PostgreSQL serializes them with an advisory lock, SQLite with
// its write lock. Returns the number of migrations applied.
Result<int> ApplyMigrations(Database& database, std::string_view service,
                            std::span<const Migration> migrations);

}  // namespace openlabs::storage
