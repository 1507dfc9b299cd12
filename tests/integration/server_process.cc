#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "http_client.h"
#include "storage/test_database.h"

extern char** environ;

namespace openlabs::integration {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kStopTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr int kLaunchAttempts = 3;

// A new empty folder under the system's temporary folder.
std::filesystem::path MakeTempFolder() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "openlabs-integration.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp failed");
  }
  return pattern;
}

// Binds `port` on 127.0.0.1 (0 lets the kernel choose) and returns the bound port, or 0 when the
// port is taken.
uint16_t BindPort(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "socket failed");
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    if (port != 0 && error == EADDRINUSE) {
      return 0;
    }
    throw std::system_error(error, std::generic_category(), "binding a port failed");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// A free port on 127.0.0.1: from OPENLABS_TEST_PORTS ("FIRST-LAST", for machines where each user
// of the tests has a range of its own), else one the kernel chooses. Another process may take the
// port before the server binds it, so Start retries with a new port when the launch fails.
uint16_t FindFreePort() {
  const char* range = std::getenv("OPENLABS_TEST_PORTS");
  unsigned first = 0;
  unsigned last = 0;
  if (range == nullptr || std::sscanf(range, "%u-%u", &first, &last) != 2 || first == 0 ||
      last < first || last > 65535) {
    return BindPort(0);
  }
  // A random start spreads the servers of concurrent test processes over the range.
  const unsigned count = last - first + 1;
  const unsigned start = static_cast<unsigned>(std::random_device()()) % count;
  for (unsigned i = 0; i < count; ++i) {
    if (uint16_t bound = BindPort(static_cast<uint16_t>(first + (start + i) % count)); bound != 0) {
      return bound;
    }
  }
  throw std::runtime_error(std::string("no free port in OPENLABS_TEST_PORTS=") + range);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts OPENLABS_BINARY with `args`, standard input from `stdin_path` and both output streams
// appended to `output_path`. Returns the child's pid.
pid_t Spawn(const std::vector<std::string>& args, const std::filesystem::path& stdin_path,
            const std::filesystem::path& output_path) {
  std::vector<std::string> argv_strings = {OPENLABS_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    throw std::system_error(error, std::generic_category(),
                            std::string("posix_spawn of ") + OPENLABS_BINARY + " failed");
  }
  return pid;
}

// Waits until `deadline` for `pid` to exit and returns its wait status, or nullopt when it is
// still running then.
std::optional<int> WaitUntil(pid_t pid, Clock::time_point deadline) {
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      return status;
    }
    if (done < 0 && errno != EINTR) {
      return -1;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace

bool ProcessResult::ExitedWithZero() const {
  return wait_status >= 0 && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::string ProcessResult::Describe() const {
  if (wait_status < 0) {
    return "no exit status (waitpid failed)";
  }
  if (WIFEXITED(wait_status)) {
    return "exit code " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return "killed by signal " + std::to_string(WTERMSIG(wait_status)) + " (" +
           ::strsignal(WTERMSIG(wait_status)) + ")";
  }
  return "wait status " + std::to_string(wait_status);
}

ProcessResult RunOpenlabs(const std::vector<std::string>& args, const std::string& stdin_text) {
  const std::filesystem::path folder = MakeTempFolder();
  const std::filesystem::path stdin_path = folder / "stdin";
  const std::filesystem::path output_path = folder / "output";
  std::ofstream(stdin_path, std::ios::binary) << stdin_text;

  const pid_t pid = Spawn(args, stdin_path, output_path);
  ProcessResult result;
  const std::optional<int> status = WaitUntil(pid, Clock::now() + kStopTimeout);
  if (!status) {
    ::kill(pid, SIGKILL);
    result.wait_status = WaitUntil(pid, Clock::now() + kStopTimeout).value_or(-1);
  } else {
    result.wait_status = *status;
  }
  result.output = ReadFile(output_path);
  std::filesystem::remove_all(folder);
  return result;
}

std::expected<std::unique_ptr<ServerProcess>, std::string> ServerProcess::Start(
    const ServerOptions& options) {
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  server->dialect_ = options.dialect;
  server->root_ = MakeTempFolder();
  std::ofstream(server->root_ / "openlabs.toml") << options.config_toml;
  std::ofstream(server->root_ / "stdin");

  if (options.dialect == storage::Dialect::kPostgres) {
    server->flag_database_url_ = storage::NewTestDatabaseUrl(options.dialect);
    if (server->flag_database_url_.empty()) {
      return std::unexpected("OPENLABS_TEST_POSTGRES_URL is not set");
    }
    server->database_url_ = server->flag_database_url_;
  } else {
    server->database_url_ = "sqlite://" + (server->root_ / "data" / "openlabs.db").string();
  }

  std::string failures;
  for (int attempt = 1; attempt <= kLaunchAttempts; ++attempt) {
    std::expected<void, std::string> launched = server->Launch();
    if (launched) {
      return server;
    }
    failures += "attempt " + std::to_string(attempt) + ": " + launched.error() + "\n";
  }
  return std::unexpected("openlabs serve did not become healthy:\n" + failures +
                         "server output:\n" + server->ReadOutput());
}

std::expected<void, std::string> ServerProcess::Launch() {
  port_ = FindFreePort();
  std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
  const std::vector<std::string> storage_flags = StorageFlags();
  args.insert(args.end(), storage_flags.begin(), storage_flags.end());
  try {
    pid_ = Spawn(args, root_ / "stdin", root_ / "output.log");
  } catch (const std::system_error& error) {
    pid_ = -1;
    exited_ = ProcessResult{};
    return std::unexpected(error.what());
  }
  exited_.reset();

  std::expected<void, std::string> healthy = WaitUntilHealthy();
  if (!healthy && Running()) {
    Stop();
  }
  return healthy;
}

std::expected<void, std::string> ServerProcess::WaitUntilHealthy() {
  const Clock::time_point deadline = Clock::now() + kStartTimeout;
  HttpClient client(base_url());
  while (Clock::now() < deadline) {
    ProcessResult result;
    if (!Running(&result)) {
      return std::unexpected("the server ended during start-up with " + result.Describe());
    }
    if (client.Get("/healthz").status == 200) {
      return {};
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return std::unexpected("GET /healthz did not return 200 within the start-up timeout");
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    WaitUntil(pid_, Clock::now() + kStopTimeout);
  }
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void ServerProcess::SendTerminate() const {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
  }
}

ProcessResult ServerProcess::Stop() {
  ProcessResult result;
  if (!Running(&result)) {
    return result;
  }
  SendTerminate();
  return WaitForExit();
}

ProcessResult ServerProcess::Kill() {
  ProcessResult result;
  if (!Running(&result)) {
    return result;
  }
  ::kill(pid_, SIGKILL);
  result.wait_status = WaitUntil(pid_, Clock::now() + kStopTimeout).value_or(-1);
  result.output = ReadOutput();
  exited_ = result;
  return result;
}

std::expected<void, std::string> ServerProcess::Restart() {
  if (Running()) {
    return std::unexpected("the server is still running; stop or kill it first");
  }
  return Launch();
}

ProcessResult ServerProcess::WaitForExit() {
  ProcessResult result;
  if (!Running(&result)) {
    return result;
  }
  std::optional<int> status = WaitUntil(pid_, Clock::now() + kStopTimeout);
  if (!status) {
    ::kill(pid_, SIGKILL);
    status = WaitUntil(pid_, Clock::now() + kStopTimeout);
    result.output = "the server did not exit within 30 seconds and was killed\n";
  }
  result.wait_status = status.value_or(-1);
  result.output += ReadOutput();
  exited_ = result;
  return result;
}

bool ServerProcess::Running(ProcessResult* result) {
  if (pid_ <= 0 && !exited_) {
    exited_ = ProcessResult{};
  }
  if (!exited_) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = ProcessResult{status, ReadOutput()};
    }
  }
  if (exited_ && result != nullptr) {
    *result = *exited_;
  }
  return !exited_;
}

std::vector<std::string> ServerProcess::StorageFlags() const {
  std::vector<std::string> flags = {"--config", (root_ / "openlabs.toml").string(), "--data-dir",
                                    (root_ / "data").string()};
  if (!flag_database_url_.empty()) {
    flags.push_back("--database-url");
    flags.push_back(flag_database_url_);
  }
  return flags;
}

std::string ServerProcess::ReadOutput() const { return ReadFile(root_ / "output.log"); }

}  // namespace openlabs::integration
