#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace openlabs::integration {

// The outcome of a finished child process.
struct ProcessResult {
  int wait_status = -1;  // as waitpid reports it
  std::string output;    // standard output and standard error, interleaved

  bool ExitedWithZero() const;
  std::string Describe() const;  // "exit code 0", "killed by signal 11", ...
};

// Runs `openlabs ARGS...` to completion with `stdin_text` on its standard input.
ProcessResult RunOpenlabs(const std::vector<std::string>& args, const std::string& stdin_text);

// Settings of a server to start: the SQL engine and the TOML configuration file it reads.
struct ServerOptions {
  storage::Dialect dialect = storage::Dialect::kSqlite;
  std::string config_toml;
};

// A running `openlabs serve` child process with its own data folder, free port and empty
// database. The destructor kills a server that Stop has not ended. Not thread-safe.
class ServerProcess {
 public:
  // Starts the server and waits until GET /healthz returns 200. For PostgreSQL the database is
  // a new schema on the server that OPENLABS_TEST_POSTGRES_URL names, and the caller must skip
  // when that variable is unset. The error message includes the server's output.
  static std::expected<std::unique_ptr<ServerProcess>, std::string> Start(
      const ServerOptions& options);

  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Sends SIGTERM and waits up to 30 seconds for the exit, then kills the process.
  ProcessResult Stop();

  // Sends SIGKILL and collects the exit, as a crash or a power cut would end the server.
  ProcessResult Kill();

  // Starts the server again, after it has exited, on the same configuration, data folder and
  // database, and waits until it is healthy. The port may change.
  std::expected<void, std::string> Restart();

  // Sends SIGTERM without waiting. WaitForExit collects the exit.
  void SendTerminate() const;

  // Waits up to 30 seconds for the process to exit without signalling it, then kills it. A
  // second SIGTERM would race with the end of a shutdown that the first one started, because the
  // server stops handling the signal once it has stopped serving.
  ProcessResult WaitForExit();

  // Checks whether the process still runs. Returns false once it has exited, for example after a
  // crash, and then fills `result` with the exit.
  bool Running(ProcessResult* result = nullptr);

  // The flags that make another `openlabs` command use this server's configuration and
  // database: --config, --data-dir and, for PostgreSQL, --database-url.
  std::vector<std::string> StorageFlags() const;

  std::string ReadOutput() const;

  uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& database_url() const { return database_url_; }
  storage::Dialect dialect() const { return dialect_; }

 private:
  ServerProcess() = default;

  std::expected<void, std::string> Launch();
  std::expected<void, std::string> WaitUntilHealthy();

  storage::Dialect dialect_ = storage::Dialect::kSqlite;
  std::filesystem::path root_;  // contains the config file, the data folder and the output log
  std::string database_url_;
  std::string flag_database_url_;  // empty for SQLite, which uses the data folder
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::optional<ProcessResult> exited_;
};

}  // namespace openlabs::integration
