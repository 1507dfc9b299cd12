#pragma once

#include <soci/soci.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <typeindex>
#include <unordered_map>
#include <vector>

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
  // rolls back when it returns an error or throws. On SQLite, the transaction first waits for
  // its turn in the file's WriteQueue (write_queue.h), so the writers of this process get the
  // file in the order they asked. Then it begins IMMEDIATE, so that a writer of another process
  // makes it wait on the busy timeout instead of failing at its first write. The turn ends when
  // the transaction commits or rolls back. A turn not granted within the busy timeout is logged,
  // and the transaction goes on without one. Database exceptions become Error::Internal, except
  // unique violations, which the body should catch itself with IsUniqueViolation when it
  // expects them.
  template <typename T>
  Result<T> InTransaction(const std::function<Result<T>(soci::session&)>& body);

  // Runs `body` in a read-only transaction, so that its statements all read one snapshot: on
  // SQLite a deferred BEGIN, which takes no WriteQueue turn and no write lock, and on PostgreSQL
  // BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY. Ends with COMMIT, or ROLLBACK when
  // `body` fails or throws. Database exceptions become Error::Internal. A statement that writes
  // fails on PostgreSQL and takes SQLite's write lock without a turn, so use InTransaction for
  // writes.
  template <typename T>
  Result<T> InReadTransaction(const std::function<Result<T>(soci::session&)>& body);

  // Runs `body` on a borrowed session without a transaction, converting database exceptions.
  // It takes no WriteQueue turn, so on SQLite each statement that writes commits on its own and
  // races other writers on the busy timeout. Use it for reads, and InTransaction for writes.
  template <typename T>
  Result<T> WithSession(const std::function<Result<T>(soci::session&)>& body);

  // Runs one statement that needs no parameters; used by readiness checks.
  Status Ping();

  // Frees the page caches of the SQLite connections that no call is using at the moment
  // (sqlite3_db_release_memory), for when the server goes idle. Later queries read the pages
  // from the file again. Returns the bytes freed. Does nothing on PostgreSQL.
  int64_t ReleaseIdleMemory();

  // Executes a script of several statements separated by semicolons (migrations).
  static void ExecuteScript(soci::session& session, Dialect dialect, const std::string& script);

  // Runs `use` on this connection's instance of `Query`, built from `session` on first use and
  // kept until the Database closes, so its statements are parsed once per connection. `Query`
  // prepares them in its constructor, bound to its own members. `session` must be the one given
  // to a WithSession or InTransaction body. If `use` throws, the instance is destroyed, so a
  // half-run statement is never reused. `use` must run each statement to its end (fetch until
  // it returns false), because on SQLite an unfinished SELECT keeps its read transaction and
  // later reads on that connection would see an old snapshot.
  template <typename Query, typename Use>
  decltype(auto) WithPrepared(soci::session& session, Use&& use);

 private:
  // Type-erased owner of one prepared Query.
  struct PreparedBase {
    virtual ~PreparedBase() = default;
  };
  template <typename Query>
  struct PreparedHolder final : PreparedBase {
    explicit PreparedHolder(soci::session& session) : query(session) {}
    Query query;
  };
  using PreparedMap = std::unordered_map<std::type_index, std::unique_ptr<PreparedBase>>;

  // Leases a pooled session for one call and gives it back on destruction. Bodies get the pooled
  // session itself (not a proxy), so statements prepared on it stay valid after the call.
  class Lease {
   public:
    explicit Lease(soci::connection_pool& pool) : pool_(pool), position_(pool.lease()) {}
    ~Lease() { pool_.give_back(position_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    soci::session& session() { return pool_.at(position_); }

   private:
    soci::connection_pool& pool_;
    size_t position_;
  };

  Database(Dialect dialect, std::unique_ptr<soci::connection_pool> pool, size_t pool_size);

  void Begin(soci::session& session) const;
  // Begin and end an InReadTransaction with statements prepared once per pooled connection.
  void BeginRead(soci::session& session);
  void EndRead(soci::session& session, bool commit);
  // Rolls back the session's transaction after a failure, ignoring an error because the
  // transaction may already have ended with the failed statement.
  static void RollBackQuietly(soci::session& session);
  // The prepared queries of the pooled connection `session`; throws soci::soci_error for a
  // session that is not one of the pool's.
  PreparedMap& PreparedFor(const soci::session& session);

  Dialect dialect_;
  std::unique_ptr<soci::connection_pool> pool_;
  // The pool's sessions, by position; their addresses do not change while the pool exists.
  std::vector<const soci::session*> sessions_;
  // Declared after pool_ so that the statements are finalized before the connections close.
  // Entry i belongs to the thread that holds lease i, so it needs no lock.
  std::vector<PreparedMap> prepared_;
};

// True when `error` reports a UNIQUE or PRIMARY KEY constraint violation, on either engine.
bool IsUniqueViolation(const soci::soci_error& error);

// SQL text that differs between the engines, picked by dialect.
inline const char* ByDialect(Dialect dialect, const char* sqlite, const char* postgres) {
  return dialect == Dialect::kSqlite ? sqlite : postgres;
}

template <typename T>
Result<T> Database::InTransaction(const std::function<Result<T>(soci::session&)>& body) {
  Lease lease(*pool_);
  soci::session& session = lease.session();
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
    RollBackQuietly(session);
    return Fail(Error::Internal(std::string("database: ") + error.what()));
  } catch (...) {
    RollBackQuietly(session);
    throw;
  }
}

template <typename T>
Result<T> Database::InReadTransaction(const std::function<Result<T>(soci::session&)>& body) {
  Lease lease(*pool_);
  soci::session& session = lease.session();
  try {
    BeginRead(session);
    Result<T> result = body(session);
    EndRead(session, static_cast<bool>(result));
    return result;
  } catch (const soci::soci_error& error) {
    RollBackQuietly(session);
    return Fail(Error::Internal(std::string("database: ") + error.what()));
  } catch (...) {
    RollBackQuietly(session);
    throw;
  }
}

template <typename T>
Result<T> Database::WithSession(const std::function<Result<T>(soci::session&)>& body) {
  Lease lease(*pool_);
  try {
    return body(lease.session());
  } catch (const soci::soci_error& error) {
    return Fail(Error::Internal(std::string("database: ") + error.what()));
  }
}

template <typename Query, typename Use>
decltype(auto) Database::WithPrepared(soci::session& session, Use&& use) {
  PreparedMap& prepared = PreparedFor(session);
  const std::type_index key(typeid(Query));
  auto found = prepared.find(key);
  if (found == prepared.end()) {
    found = prepared.emplace(key, std::make_unique<PreparedHolder<Query>>(session)).first;
  }
  Query& query = static_cast<PreparedHolder<Query>&>(*found->second).query;
  try {
    return std::forward<Use>(use)(query);
  } catch (...) {
    prepared.erase(key);
    throw;
  }
}

}  // namespace openlabs::storage
