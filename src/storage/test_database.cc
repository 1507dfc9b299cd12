#include "storage/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "common/random.h"

namespace openlabs::storage {
namespace {

const char* PostgresBaseUrl() {
  const char* url = std::getenv("OPENLABS_TEST_POSTGRES_URL");
  return (url != nullptr && *url != '\0') ? url : nullptr;
}

}  // namespace

std::vector<Dialect> TestDialects() { return {Dialect::kSqlite, Dialect::kPostgres}; }

std::string DialectName(Dialect dialect) {
  return dialect == Dialect::kSqlite ? "sqlite" : "postgres";
}

std::string NewTestDatabaseUrl(Dialect dialect) {
  static std::atomic<int> counter{0};
  const std::string unique =
      std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
      NewUuid().substr(0, 8);
  if (dialect == Dialect::kSqlite) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("openlabs-test-" + unique);
    std::filesystem::create_directories(dir);
    return "sqlite://" + (dir / "test.db").string();
  }

  const char* base = PostgresBaseUrl();
  if (base == nullptr) {
    return "";
  }
  const std::string schema = "test_" + unique;
  Result<std::unique_ptr<Database>> admin = Database::Open(base, 1);
  if (!admin) {
    throw std::runtime_error("cannot connect to the PostgreSQL test server: " +
                             admin.error().internal);
  }
  soci::session session((*admin)->pool());
  session << "CREATE SCHEMA " + schema;
  // libpq passes "options" to the server, so every pooled connection gets this search path.
  const std::string separator = std::string(base).find('?') == std::string::npos ? "?" : "&";
  return std::string(base) + separator + "options=-csearch_path%3D" + schema;
}

}  // namespace openlabs::storage
