#include "storage/database.h"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace openlabs::storage {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite://";

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

  auto pool = std::make_unique<soci::connection_pool>(pool_size);
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
      }
    }
  } catch (const soci::soci_error& error) {
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

Database::~Database() = default;

Database::PreparedMap& Database::PreparedFor(const soci::session& session) {
  for (size_t i = 0; i < sessions_.size(); ++i) {
    if (sessions_[i] == &session) {
      return prepared_[i];
    }
  }
  throw soci::soci_error(
      "prepared statements need the session of a WithSession or InTransaction call");
}

void Database::Begin(soci::session& session) const {
  session << (dialect_ == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
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
