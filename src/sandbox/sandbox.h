// Runs untrusted commands (learner notebooks, autograder tests) inside bubblewrap with resource
// limits.
//
// Each sandboxed process sees a minimal read-only system (/usr and the /bin, /lib symlinks, a few
// files under /etc), a private writable /work bound from a host directory, a fresh tmpfs /tmp, no
// network (only its own loopback), its own PID namespace, and runs under an unprivileged uid.
// setrlimit limits CPU time, address space, processes, open files and file size before bwrap
// starts. Killing the sandbox sends SIGKILL to its process group. The command is PID 1 of the
// sandbox's PID namespace, so when it dies the kernel kills every process left inside.
//
// bwrap itself is PID 1 of an outer PID namespace (inside a user namespace of its own when the
// caller is not root) and gets SIGKILL when the thread that started it ends. So the whole
// sandbox dies with its parent, even a parent killed with SIGKILL in the middle of bwrap's setup.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace openlabs::sandbox {

// Resource limits of one sandboxed process tree.
struct Limits {
  // RLIMIT_CPU in seconds. The soft limit sends SIGXCPU, which only a handler in the command sees
  // (PID 1 ignores default-action signals), and the hard limit one second later sends SIGKILL.
  int cpu_seconds = 30;
  // RLIMIT_AS: address space per process. Python raises MemoryError when it is reached.
  uint64_t memory_bytes = 512ull << 20;
  // RLIMIT_NPROC: processes and threads of the sandbox uid, counted across every process that
  // runs under that uid. It binds only a non-root uid.
  int max_processes = 64;
  // RLIMIT_NOFILE: open file descriptors per process.
  int max_open_files = 256;
  // RLIMIT_FSIZE: the largest file a process may write, in bytes (EFBIG beyond it).
  uint64_t max_file_bytes = 64ull << 20;
  // Size of the tmpfs mounted at /tmp.
  uint64_t tmp_bytes = 64ull << 20;
  // Size of the tmpfs mounted at /work when Options::work_dir is empty.
  uint64_t work_bytes = 64ull << 20;
};

// A host path made visible inside the sandbox.
struct Bind {
  std::filesystem::path source;
  std::string target;
  bool writable = false;
};

// The uid and gid that sandboxed code runs under.
struct SandboxUser {
  uid_t uid = 65534;
  gid_t gid = 65534;
  std::string name = "nobody";
};

// The account named openlabs-sandbox when it exists (scripts/install-deps.sh creates it), else
// nobody (65534). A dedicated account keeps the RLIMIT_NPROC count of sandboxes apart from other
// programs that run as nobody.
SandboxUser DefaultSandboxUser();

struct Options {
  std::filesystem::path bwrap_path = "/usr/bin/bwrap";
  // Host directory bound read-write at /work, the sandbox's working directory. It must exist and
  // be writable by `user` (see WorkDir). Empty means an empty tmpfs at /work.
  std::filesystem::path work_dir;
  // Further read-only or writable binds, for example the kernel's sources.
  std::vector<Bind> binds;
  // The whole environment of the sandboxed command. PATH, HOME and LANG get defaults unless set
  // here.
  std::vector<std::pair<std::string, std::string>> env;
  Limits limits;
  // Defaults to DefaultSandboxUser() when running as root, and to the caller's own uid otherwise
  // (an unprivileged caller cannot switch uid).
  std::optional<SandboxUser> user;
};

// How a sandboxed process ended.
struct ExitStatus {
  int exit_code = -1;  // set when the process exited, else -1
  int signal = 0;      // set when a signal killed it, else 0
  double cpu_seconds = 0;
  uint64_t peak_memory_bytes = 0;  // largest resident set of the process tree (ru_maxrss)
};

// A running sandboxed process with pipes to its standard streams. The destructor kills the
// whole sandbox and reaps it, so a caller that drops the object leaves no process behind.
// Not thread-safe: one owner drives it.
class Process {
 public:
  Process(pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // The write end of the process's stdin, or -1 after CloseStdin().
  int stdin_fd() const { return stdin_fd_; }
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }

  // Writes all of `data` to stdin. Fails when the process has closed its end.
  Status WriteStdin(std::string_view data);
  void CloseStdin();
  // Sends SIGKILL to the process group. Safe to call more than once and after exit.
  void Kill();
  // Reaps the process if it has exited, without blocking.
  std::optional<ExitStatus> TryWait();
  // Blocks until the process exits and reaps it.
  ExitStatus Wait();

 private:
  pid_t pid_;
  int stdin_fd_;
  int stdout_fd_;
  int stderr_fd_;
  std::optional<ExitStatus> exit_;
};

// Starts `command` (absolute path first) inside the sandbox. The process keeps running until it
// exits or the returned Process is killed or destroyed.
Result<std::unique_ptr<Process>> Spawn(const std::vector<std::string>& command,
                                       const Options& options);

struct RunOptions {
  std::chrono::milliseconds wall_timeout{60'000};
  // Output beyond this many bytes per stream is read and dropped.
  size_t max_output_bytes = 1 << 20;
};

struct RunResult {
  ExitStatus status;
  std::string stdout_text;
  std::string stderr_text;
  bool timed_out = false;  // killed at the wall-clock timeout
  bool stdout_truncated = false;
  bool stderr_truncated = false;
};

// Runs `command` to completion with `input` on stdin, collecting its output. The whole sandbox is
// killed at `run.wall_timeout`.
Result<RunResult> Run(const std::vector<std::string>& command, std::string_view input,
                      const Options& options, const RunOptions& run = {});

// A temporary host directory for a sandbox's /work, owned by the sandbox user and deleted with
// its contents when the object is destroyed.
class WorkDir {
 public:
  // Creates a fresh directory under `parent` (the system temp dir when empty).
  static Result<WorkDir> Create(const SandboxUser& user, const std::filesystem::path& parent = {});
  WorkDir(WorkDir&& other) noexcept;
  WorkDir& operator=(WorkDir&& other) noexcept;
  ~WorkDir();

  const std::filesystem::path& path() const { return path_; }
  // Copies the files under `source` into the directory, owned by the sandbox user.
  Status CopyFrom(const std::filesystem::path& source);
  // Writes `content` to the file `name` in the directory, owned by the sandbox user.
  Status WriteFile(const std::string& name, std::string_view content);

 private:
  WorkDir(std::filesystem::path path, SandboxUser user);
  std::filesystem::path path_;
  SandboxUser user_;
};

// The bwrap argument list (without the limits, which are set by setrlimit), exposed for tests.
std::vector<std::string> BwrapArguments(const std::vector<std::string>& command,
                                        const Options& options, const SandboxUser& user);

}  // namespace openlabs::sandbox
