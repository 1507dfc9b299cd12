#pragma once

#include <soci/soci.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.h"

namespace openlabs::storage {

enum class Dialect {
  kSqlite,
  kPostgres,
};

// A pool of SOCI sessions on one database, SQLite (WAL mode) or PostgreSQL. SQL written with
// ":name" placeholders runs unchanged on both; DDL differs and lives in per-dialect migrations.
// Thread-safe: every call borrows its own session from the pool.
class Database {
 public:
  // Opens `pool_size` connections. `url` is "sqlite://PATH" or "postgresql://…" (a libpq URI).
  // For SQLite, the parent folder of PATH is created when missing.
  static Result<std::unique_ptr<Database>> Open(std::string_view url, int pool_size);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return dialect_; }

  // The pool, for borrowing a session with `soci::session session(db.pool());`.
  soci::connection_pool& pool() { return *pool_; }

  // Runs `body` in a transaction on a borrowed session and commits when it returns a value;
  // rolls back when it returns an error or throws. SQLite transactions begin IMMEDIATE so that
  // concurrent writers wait on the busy timeout instead of failing at their first write.
  // Database exceptions become Error::Internal, except unique violations, which the body should
  // catch itself with IsUniqueViolation when it expects them.
  template <typename T>
  Result<T> InTransaction(const std::function<Result<T>(soci::session&)>& body);

  // Runs `body` on a borrowed session without a transaction, converting database exceptions.
  template <typename T>
  Result<T> WithSession(const std::function<Result<T>(soci::session&)>& body);

  // Runs one statement that needs no parameters; used by readiness checks.
  Status Ping();

  // Executes a script of several statements separated by semicolons (migrations).
  static void ExecuteScript(soci::session& session, Dialect dialect, const std::string& script);

 private:
  Database(Dialect dialect, std::unique_ptr<soci::connection_pool> pool)
      : dialect_(dialect), pool_(std::move(pool)) {}

  void Begin(soci::session& session) const;

  Dialect dialect_;
  std::unique_ptr<soci::connection_pool> pool_;
};

// True when `error` reports a UNIQUE or PRIMARY KEY constraint violation, on either engine.
bool IsUniqueViolation(const soci::soci_error& error);

// SQL text that differs between the engines, picked by dialect.
inline const char* ByDialect(Dialect dialect, const char* sqlite, const char* postgres) {
  return dialect == Dialect::kSqlite ? sqlite : postgres;
}

template <typename T>
Result<T> Database::InTransaction(const std::function<Result<T>(soci::session&)>& body) {
  soci::session session(*pool_);
  try {
    Begin(session);
    Result<T> result = body(session);
    if (result) {
      session << "COMMIT";
    } else {
      session << "ROLLBACK";
    }
    return result;
  } catch (const soci::soci_error& error) {
    try {
      session << "ROLLBACK";
    } catch (const soci::soci_error&) {
      // The transaction may already have ended with the failed statement.
    }
    return Fail(Error::Internal(std::string("database: ") + error.what()));
  } catch (...) {
    try {
      session << "ROLLBACK";
    } catch (const soci::soci_error&) {
    }
    throw;
  }
}

template <typename T>
Result<T> Database::WithSession(const std::function<Result<T>(soci::session&)>& body) {
  soci::session session(*pool_);
  try {
    return body(session);
  } catch (const soci::soci_error& error) {
    return Fail(Error::Internal(std::string("database: ") + error.what()));
  }
}

}  // namespace openlabs::storage
