#include "storage/database.h"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "storage/write_queue.h"

namespace openlabs::storage {
namespace {

// Turns off SQLite's memory statistics before its first connection. With them on, every
// allocation of every connection takes one process-wide mutex, which the threads that serve
// requests at once then wait on. Nothing here reads the statistics.
void TurnOffSqliteMemoryStatistics() {
  static std::once_flag once;
  std::call_once(once, [] {
    // SQLITE_MISUSE after sqlite3_initialize: then the setting stays as it was, which is safe.
    sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

constexpr std::string_view kSqlitePrefix = "sqlite://";

// How long a transaction waits for its turn in the write queue before it falls back to SQLite's
// busy handler. It equals the busy timeout of each connection.
constexpr std::chrono::milliseconds kWriteTurnTimeout{10'000};

// The write-queue state of one pooled SQLite connection. SQLite's commit and rollback hooks
// release the turn, so the turn lasts exactly as long as the transaction, however it ends (an
// explicit COMMIT or ROLLBACK, or a rollback that an error caused).
struct ConnectionTurn {
  std::shared_ptr<WriteQueue> queue;
  bool held = false;  // the open transaction of this connection has a turn
};

void ReleaseTurn(void* context) {
  auto* turn = static_cast<ConnectionTurn*>(context);
  if (turn->held) {
    turn->held = false;
    turn->queue->Release();
  }
}

int ReleaseTurnOnCommit(void* context) {
  ReleaseTurn(context);
  return 0;  // 0 lets the commit go ahead
}

// The turn state of every open pooled SQLite connection. Each entry is used only by the thread
// that leases its connection, so only the map itself needs the mutex.
std::mutex turns_mutex;
std::unordered_map<const sqlite_api::sqlite3*, std::unique_ptr<ConnectionTurn>> turns;

sqlite_api::sqlite3* SqliteHandle(const soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(
             const_cast<soci::session&>(session).get_backend())
      ->conn_;
}

void RegisterTurn(soci::session& session, std::shared_ptr<WriteQueue> queue) {
  sqlite_api::sqlite3* connection = SqliteHandle(session);
  auto turn = std::make_unique<ConnectionTurn>();
  turn->queue = std::move(queue);
  sqlite_api::sqlite3_commit_hook(connection, ReleaseTurnOnCommit, turn.get());
  sqlite_api::sqlite3_rollback_hook(connection, ReleaseTurn, turn.get());
  std::lock_guard lock(turns_mutex);
  turns[connection] = std::move(turn);
}

void UnregisterTurn(const soci::session& session) {
  sqlite_api::sqlite3* connection = SqliteHandle(session);
  sqlite_api::sqlite3_commit_hook(connection, nullptr, nullptr);
  sqlite_api::sqlite3_rollback_hook(connection, nullptr, nullptr);
  std::lock_guard lock(turns_mutex);
  turns.erase(connection);
}

ConnectionTurn* TurnOf(const soci::session& session) {
  std::lock_guard lock(turns_mutex);
  const auto found = turns.find(SqliteHandle(session));
  return found == turns.end() ? nullptr : found->second.get();
}

// The bytes of page cache that `connection` holds.
int SqliteCacheBytes(sqlite_api::sqlite3* connection) {
  int current = 0;
  int highest = 0;
  sqlite_api::sqlite3_db_status(connection, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0);
  return current;
}

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// Applies the per-connection settings that SQLite does not persist in the file.
void ConfigureSqliteSession(soci::session& session) {
  session << "PRAGMA journal_mode = WAL";
  session << "PRAGMA synchronous = NORMAL";
  session << "PRAGMA foreign_keys = ON";
  session << "PRAGMA busy_timeout = 10000";
}

// Turns a libpq URI into keyword=value form. SOCI 4.0 reads its own options out of the
// connection string and garbles URIs with query parameters, so it gets the keyword form.
Result<std::string> PostgresConnectionString(std::string_view url) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &message);
  if (options == nullptr) {
    std::string detail = message != nullptr ? message : "out of memory";
    PQfreemem(message);
    return Fail({ErrorCode::kInvalidArgument, "the PostgreSQL URL is invalid", {}, detail});
  }
  std::string result;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) {
      continue;
    }
    std::string value;
    for (const char c : std::string_view(option->val)) {
      if (c == '\\' || c == '\'') {
        value.push_back('\\');
      }
      value.push_back(c);
    }
    result += std::string(option->keyword) + "='" + value + "' ";
  }
  PQconninfoFree(options);
  return result;
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(std::string_view url, int pool_size) {
  const bool postgres = IsPostgresUrl(url);
  if (!postgres && !url.starts_with(kSqlitePrefix)) {
    return Fail(Error::InvalidArgument("database URL must start with sqlite:// or postgresql://"));
  }

  std::string sqlite_path;
  std::string postgres_connection;
  if (postgres) {
    Result<std::string> connection = PostgresConnectionString(url);
    if (!connection) {
      return Fail(connection.error());
    }
    postgres_connection = std::move(*connection);
  } else {
    sqlite_path = std::string(url.substr(kSqlitePrefix.size()));
    const std::filesystem::path parent = std::filesystem::path(sqlite_path).parent_path();
    std::error_code error;
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, error);
    }
    if (error) {
      return Fail({ErrorCode::kUnavailable, "cannot create the database folder",
                   {},
                   parent.string() + ": " + error.message()});
    }
  }

  if (!postgres) {
    TurnOffSqliteMemoryStatistics();
  }
  auto pool = std::make_unique<soci::connection_pool>(pool_size);
  const std::shared_ptr<WriteQueue> write_queue =
      postgres ? nullptr : WriteQueue::ForFile(sqlite_path);
  try {
    for (int i = 0; i < pool_size; ++i) {
      soci::session& session = pool->at(i);
      if (postgres) {
        session.open(soci::postgresql, postgres_connection);
        session << "SET client_min_messages = WARNING";
      } else {
        // SOCI quotes nothing here, so the path goes in as the "db" value in quotes.
        session.open(soci::sqlite3, "db=\"" + sqlite_path + "\" timeout=10");
        ConfigureSqliteSession(session);
        RegisterTurn(session, write_queue);
      }
    }
  } catch (const soci::soci_error& error) {
    if (!postgres) {
      for (int i = 0; i < pool_size; ++i) {
        if (pool->at(i).get_backend() != nullptr) {
          UnregisterTurn(pool->at(i));
        }
      }
    }
    return Fail({ErrorCode::kUnavailable, "cannot connect to the database", {}, error.what()});
  }
  return std::unique_ptr<Database>(new Database(postgres ? Dialect::kPostgres : Dialect::kSqlite,
                                                std::move(pool), static_cast<size_t>(pool_size)));
}

Database::Database(Dialect dialect, std::unique_ptr<soci::connection_pool> pool, size_t pool_size)
    : dialect_(dialect), pool_(std::move(pool)), prepared_(pool_size) {
  for (size_t i = 0; i < pool_size; ++i) {
    sessions_.push_back(&pool_->at(i));
  }
}

Database::~Database() {
  if (dialect_ == Dialect::kSqlite) {
    for (const soci::session* session : sessions_) {
      UnregisterTurn(*session);
    }
  }
}

namespace {

// The statements that begin and end a read transaction, prepared once per connection, because
// `session << "BEGIN"` prepares and finalizes the statement on every call.
struct ReadTransactionStatements {
  explicit ReadTransactionStatements(soci::session& session)
      : begin(session.prepare << (session.get_backend_name() == "sqlite3"
                                      ? "BEGIN"
                                      : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")),
        commit(session.prepare << "COMMIT"),
        rollback(session.prepare << "ROLLBACK") {}

  soci::statement begin;
  soci::statement commit;
  soci::statement rollback;
};

}  // namespace

void Database::BeginRead(soci::session& session) {
  WithPrepared<ReadTransactionStatements>(
      session, [](ReadTransactionStatements& statements) { statements.begin.execute(true); });
}

void Database::RollBackQuietly(soci::session& session) {
  try {
    session << "ROLLBACK";
  } catch (const soci::soci_error&) {
  }
}

void Database::EndRead(soci::session& session, bool commit) {
  WithPrepared<ReadTransactionStatements>(session, [commit](ReadTransactionStatements& statements) {
    (commit ? statements.commit : statements.rollback).execute(true);
  });
}

Database::PreparedMap& Database::PreparedFor(const soci::session& session) {
  for (size_t i = 0; i < sessions_.size(); ++i) {
    if (sessions_[i] == &session) {
      return prepared_[i];
    }
  }
  throw soci::soci_error(
      "prepared statements need the session of a WithSession or InTransaction call");
}

// On SQLite, a transaction first waits for its turn in the file's WriteQueue, so that the writers
// of this process get the file in the order they asked instead of racing SQLite's busy handler.
// A thread that has a turn gets it again at once, so a nested transaction on another
// connection meets SQLite's busy timeout as before instead of waiting for its own thread. A turn
// not granted within kWriteTurnTimeout is logged and the transaction goes on without one,
// waiting on the busy timeout as before.
void Database::Begin(soci::session& session) const {
  if (dialect_ != Dialect::kSqlite) {
    session << "BEGIN";
    return;
  }
  ConnectionTurn* turn = TurnOf(session);
  if (turn != nullptr) {
    if (turn->queue->Acquire(kWriteTurnTimeout)) {
      turn->held = true;
    } else {
      spdlog::warn("No turn in the SQLite write queue after {} ms ({} writers waiting); "
                   "beginning the transaction without one",
                   kWriteTurnTimeout.count(), turn->queue->waiting());
    }
  }
  try {
    session << "BEGIN IMMEDIATE";
  } catch (...) {
    // No transaction began, so neither hook will release the turn.
    if (turn != nullptr) {
      ReleaseTurn(turn);
    }
    throw;
  }
}

Status Database::Ping() {
  return WithSession<void>([](soci::session& session) -> Status {
    int one = 0;
    session << "SELECT 1", soci::into(one);
    if (one != 1) {
      return Fail(Error::Internal("database ping returned an unexpected value"));
    }
    return {};
  });
}

int64_t Database::ReleaseIdleMemory() {
  if (dialect_ != Dialect::kSqlite) {
    return 0;
  }
  // Holding every free lease at once keeps try_lease from returning the same one twice.
  std::vector<size_t> leased;
  size_t position = 0;
  while (leased.size() < sessions_.size() && pool_->try_lease(position, 0)) {
    leased.push_back(position);
  }
  int64_t freed = 0;
  for (const size_t leased_position : leased) {
    sqlite_api::sqlite3* connection = SqliteHandle(pool_->at(leased_position));
    const int before = SqliteCacheBytes(connection);
    sqlite_api::sqlite3_db_release_memory(connection);
    freed += before - SqliteCacheBytes(connection);
    pool_->give_back(leased_position);
  }
  return freed;
}

void Database::ExecuteScript(soci::session& session, Dialect dialect, const std::string& script) {
  // SOCI prepares one statement at a time, so scripts go through the native APIs, which run
  // several statements in one call.
  if (dialect == Dialect::kSqlite) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(session.get_backend());
    char* message = nullptr;
    if (sqlite_api::sqlite3_exec(backend->conn_, script.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : "unknown error";
      sqlite_api::sqlite3_free(message);
      throw soci::soci_error("migration script failed: " + text);
    }
    return;
  }
  auto* backend = static_cast<soci::postgresql_session_backend*>(session.get_backend());
  PGresult* result = PQexec(backend->conn_, script.c_str());
  const ExecStatusType status = PQresultStatus(result);
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw soci::soci_error("migration script failed: " + message);
  }
}

bool IsUniqueViolation(const soci::soci_error& error) {
  if (const auto* postgres = dynamic_cast<const soci::postgresql_soci_error*>(&error)) {
    return postgres->sqlstate() == "23505";
  }
  if (const auto* sqlite = dynamic_cast<const soci::sqlite3_soci_error*>(&error)) {
    const std::string_view message = error.what();
    return sqlite->result() == SQLITE_CONSTRAINT &&
           (message.find("UNIQUE constraint failed") != std::string_view::npos ||
            message.find("PRIMARY KEY") != std::string_view::npos);
  }
  return false;
}

}  // namespace openlabs::storage
