#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/database.h"

namespace openlabs::storage {

// The SQL engines a storage test runs on. PostgreSQL is included when the environment variable
// OPENLABS_TEST_POSTGRES_URL names a server (scripts/with-postgres.sh sets it); otherwise tests
// on it are skipped with a message.
std::vector<Dialect> TestDialects();

// A name for test output: "sqlite" or "postgres".
std::string DialectName(Dialect dialect);

// An empty database for one test: a new SQLite file in a temporary folder, or a new schema on
// the PostgreSQL test server. Returns an empty string (and the test should skip) when the
// dialect is PostgreSQL and no server is configured.
std::string NewTestDatabaseUrl(Dialect dialect);

}  // namespace openlabs::storage
