#include "sandbox/sandbox.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace openlabs::sandbox {
namespace {

constexpr const char* kSandboxAccount = "openlabs-sandbox";

// Files under /etc that Python and matplotlib read. Missing ones are skipped (--ro-bind-try).
constexpr const char* kEtcFiles[] = {"/etc/alternatives", "/etc/matplotlibrc", "/etc/fonts",
                                     "/etc/localtime", "/etc/mime.types"};

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

bool HasEnv(const Options& options, std::string_view name) {
  for (const auto& [key, value] : options.env) {
    if (key == name) {
      return true;
    }
  }
  return false;
}

// argv/envp storage built before fork(), because the child of a multithreaded process may only
// call async-signal-safe functions and so must not allocate.
struct ExecPlan {
  std::vector<std::string> strings;
  std::vector<char*> argv;
  std::vector<rlimit> limit_values;
  std::vector<int> limit_kinds;
  bool switch_user = false;
  SandboxUser user;

  void Finish() {
    for (std::string& text : strings) {
      argv.push_back(text.data());
    }
    argv.push_back(nullptr);
  }
};

void AddLimit(ExecPlan& plan, int kind, rlim_t soft, rlim_t hard) {
  plan.limit_kinds.push_back(kind);
  plan.limit_values.push_back(rlimit{soft, hard});
}

ExecPlan MakePlan(const std::vector<std::string>& command, const Options& options) {
  ExecPlan plan;
  plan.switch_user = geteuid() == 0;
  if (options.user) {
    plan.user = *options.user;
  } else if (plan.switch_user) {
    plan.user = DefaultSandboxUser();
  } else {
    plan.user = {getuid(), getgid(), "self"};
  }
  plan.strings = BwrapArguments(command, options, plan.user);
  plan.Finish();

  const Limits& limits = options.limits;
  const auto cpu = static_cast<rlim_t>(limits.cpu_seconds);
  AddLimit(plan, RLIMIT_CPU, cpu, cpu + 1);
  AddLimit(plan, RLIMIT_AS, limits.memory_bytes, limits.memory_bytes);
  AddLimit(plan, RLIMIT_NPROC, limits.max_processes, limits.max_processes);
  AddLimit(plan, RLIMIT_NOFILE, limits.max_open_files, limits.max_open_files);
  AddLimit(plan, RLIMIT_FSIZE, limits.max_file_bytes, limits.max_file_bytes);
  AddLimit(plan, RLIMIT_CORE, 0, 0);
  return plan;
}

// Steps of the child, reported to the parent through the status pipe.
enum ChildStep : int {
  kChildReady = 0,  // the parent-death signal is armed; the child waits for the parent's reply
  kSetsid,
  kMountNamespace,
  kDup2,
  kSetrlimit,
  kSwitchUser,
  kParentDeathSignal,
  kExecBwrap,
};

// Reports a failed step of the child to the parent through `status_fd` and exits.
// Async-signal-safe.
[[noreturn]] void ChildFail(int status_fd, ChildStep step) {
  int report[2] = {step, errno};
  [[maybe_unused]] ssize_t written = write(status_fd, report, sizeof(report));
  _exit(127);
}

// Marks every descriptor above the standard streams close-on-exec. The pipes to the parent
// already are.
void CloseInheritedDescriptors() {
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    return;
  }
  // Kernels before 5.11 lack CLOSE_RANGE_CLOEXEC.
  rlimit open_files{};
  const rlim_t last = getrlimit(RLIMIT_NOFILE, &open_files) == 0 && open_files.rlim_cur < 65536
                          ? open_files.rlim_cur
                          : 65536;
  for (rlim_t fd = 3; fd < last; ++fd) {
    fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  }
}

// Gives the child, which is PID 1 of a new PID namespace, a mount namespace with a /proc of
// that namespace. bwrap looks up its own child in /proc by the pid that clone() returned, which
// is a pid of the new namespace.
bool MountOwnProc() {
  return unshare(CLONE_NEWNS) == 0 &&
         mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
         mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
}

// Runs in the child: new session, standard streams, limits, unprivileged uid, the parent-death
// signal, then bwrap. Only async-signal-safe calls from here on. The child of a multithreaded
// process made by a raw clone() must not call glibc's setuid() family either, which signals the
// parent's threads, so the uid switch uses the system calls themselves.
[[noreturn]] void ExecChild(const ExecPlan& plan, const int (&fds)[3], int status_fd,
                            int reply_fd, bool own_user_namespace) {
  char reply = 0;
  // In a user namespace of its own, the child waits until the parent has mapped its uid and gid.
  if (own_user_namespace && read(reply_fd, &reply, 1) != 1) {
    _exit(127);
  }
  if (setsid() < 0) {
    ChildFail(status_fd, kSetsid);
  }
  if (!MountOwnProc()) {
    ChildFail(status_fd, kMountNamespace);
  }
  for (int stream = 0; stream < 3; ++stream) {
    if (dup2(fds[stream], stream) < 0) {
      ChildFail(status_fd, kDup2);
    }
  }
  // The server's descriptors (client connections, database files, listening sockets) must not
  // reach sandboxed code, and Asio opens most of them without O_CLOEXEC.
  CloseInheritedDescriptors();
  for (size_t i = 0; i < plan.limit_kinds.size(); ++i) {
    if (setrlimit(plan.limit_kinds[i], &plan.limit_values[i]) != 0) {
      ChildFail(status_fd, kSetrlimit);
    }
  }
  // The server ignores SIGPIPE, and an ignored signal would stay ignored across execve.
  signal(SIGPIPE, SIG_DFL);
  if (plan.switch_user) {
    const uid_t uid = plan.user.uid;
    const gid_t gid = plan.user.gid;
    if (syscall(SYS_setgroups, 0, nullptr) != 0 || syscall(SYS_setresgid, gid, gid, gid) != 0 ||
        syscall(SYS_setresuid, uid, uid, uid) != 0) {
      ChildFail(status_fd, kSwitchUser);
    }
  }
  // Armed after the uid switch, which clears it. bwrap keeps it across execve, because bwrap is
  // not set-user-ID here and does not change its credentials in the process it runs first.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    ChildFail(status_fd, kParentDeathSignal);
  }
  // A parent that died before the prctl sent no signal. The parent replies only while it is
  // alive, and its death closes the pipe, so the read returns 0 and the child gives up.
  int report[2] = {kChildReady, 0};
  if (write(status_fd, report, sizeof(report)) != sizeof(report) ||
      read(reply_fd, &reply, 1) != 1) {
    _exit(127);
  }
  char* empty_env[] = {nullptr};
  execve(plan.argv[0], plan.argv.data(), empty_env);
  ChildFail(status_fd, kExecBwrap);
}

const char* ChildStepName(int step) {
  switch (step) {
    case kSetsid:
      return "setsid";
    case kMountNamespace:
      return "mounting /proc in a new mount namespace";
    case kDup2:
      return "dup2";
    case kSetrlimit:
      return "setrlimit";
    case kSwitchUser:
      return "switching to the sandbox user";
    case kParentDeathSignal:
      return "prctl(PR_SET_PDEATHSIG)";
    default:
      return "executing bwrap";
  }
}

ExitStatus ToExitStatus(int status, const rusage& usage) {
  ExitStatus result;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  result.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  result.peak_memory_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  return result;
}

void CloseFd(int& fd) {
  if (fd >= 0) {
    close(fd);
    fd = -1;
  }
}

struct Pipes {
  int child[3] = {-1, -1, -1};   // the ends the child gets as fds 0, 1, 2
  int parent[3] = {-1, -1, -1};  // stdin write end, stdout and stderr read ends

  ~Pipes() {
    for (int i = 0; i < 3; ++i) {
      CloseFd(child[i]);
      CloseFd(parent[i]);
    }
  }

  Status Open() {
    for (int stream = 0; stream < 3; ++stream) {
      int ends[2];
      if (pipe2(ends, O_CLOEXEC) != 0) {
        return Fail(Error::Internal("pipe2 failed: " + ErrnoText(errno)));
      }
      const bool is_input = stream == 0;
      child[stream] = is_input ? ends[0] : ends[1];
      parent[stream] = is_input ? ends[1] : ends[0];
    }
    return {};
  }
};

// Reads one report of the child. Returns false at end of file, when the child has exited or
// executed bwrap (the pipe is close-on-exec).
bool ReadChildReport(int status_fd, int (&report)[2]) {
  ssize_t got;
  do {
    got = read(status_fd, report, sizeof(int[2]));
  } while (got < 0 && errno == EINTR);
  return got == sizeof(int[2]);
}

// Completes the start handshake: the child reports that its parent-death signal is armed, the
// parent replies, and the child executes bwrap. Reaps the child when it failed.
Status CheckChildStarted(int status_fd, int reply_fd, pid_t pid) {
  int report[2] = {0, 0};
  bool reported = ReadChildReport(status_fd, report);
  if (reported && report[0] == kChildReady) {
    const char reply = 1;
    reported = write(reply_fd, &reply, 1) == 1 && ReadChildReport(status_fd, report);
    if (!reported) {
      return {};
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!reported) {
    return Fail(Error::Internal("cannot start the sandbox: its process exited during setup"));
  }
  return Fail(Error::Internal(std::string("cannot start the sandbox: ") + ChildStepName(report[0]) +
                              " failed: " + ErrnoText(report[1])));
}

// Starts the child like fork(), as PID 1 of a new PID namespace, so that the kernel kills every
// process of the sandbox when the child dies, including those that bwrap has not yet armed
// against its parent's death. Creating a PID namespace needs CAP_SYS_ADMIN, so a caller that is
// not root puts the child in a new user namespace too. glibc's fork() takes no flags, hence
// clone().
pid_t StartChild(bool own_user_namespace) {
  const long flags = CLONE_NEWPID | SIGCHLD | (own_user_namespace ? CLONE_NEWUSER : 0);
  return static_cast<pid_t>(syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr));
}

Status WriteProcFile(pid_t pid, const char* name, const std::string& content) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(Error::Internal("cannot open " + path + ": " + ErrnoText(errno)));
  }
  const ssize_t written = write(fd, content.data(), content.size());
  const int error = errno;
  close(fd);
  if (written != static_cast<ssize_t>(content.size())) {
    return Fail(Error::Internal("cannot write " + path + ": " + ErrnoText(error)));
  }
  return {};
}

// Maps the caller's uid and gid to themselves in the child's new user namespace, so that bwrap
// inside runs with the same ids. An unprivileged process may map only its own ids, and its gid only
// after denying setgroups.
Status MapOwnIds(pid_t pid) {
  const std::string uid = std::to_string(geteuid());
  const std::string gid = std::to_string(getegid());
  if (Status denied = WriteProcFile(pid, "setgroups", "deny"); !denied) {
    return denied;
  }
  if (Status mapped = WriteProcFile(pid, "uid_map", uid + " " + uid + " 1\n"); !mapped) {
    return mapped;
  }
  return WriteProcFile(pid, "gid_map", gid + " " + gid + " 1\n");
}

}  // namespace

SandboxUser DefaultSandboxUser() {
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(4096);
  if (getpwnam_r(kSandboxAccount, &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr) {
    return {found->pw_uid, found->pw_gid, kSandboxAccount};
  }
  return SandboxUser{};
}

std::vector<std::string> BwrapArguments(const std::vector<std::string>& command,
                                        const Options& options, const SandboxUser& user) {
  std::vector<std::string> args = {
      options.bwrap_path.string(),
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--die-with-parent",
      "--new-session",
      // The command runs as PID 1 of its namespace, with no bwrap reaper in between, so wait4()
      // on bwrap accounts for its CPU time and memory. Its exit still kills the whole namespace.
      "--as-pid-1",
      "--ro-bind",
      "/usr",
      "/usr",
      "--symlink",
      "usr/lib",
      "/lib",
      "--symlink",
      "usr/lib64",
      "/lib64",
      "--symlink",
      "usr/bin",
      "/bin",
      "--symlink",
      "usr/sbin",
      "/sbin",
  };
  for (const char* path : kEtcFiles) {
    args.insert(args.end(), {"--ro-bind-try", path, path});
  }
  args.insert(args.end(), {"--proc", "/proc", "--dev", "/dev", "--size",
                           std::to_string(options.limits.tmp_bytes), "--tmpfs", "/tmp"});
  if (options.work_dir.empty()) {
    args.insert(args.end(),
                {"--size", std::to_string(options.limits.work_bytes), "--tmpfs", "/work"});
  } else {
    args.insert(args.end(), {"--bind", options.work_dir.string(), "/work"});
  }
  for (const Bind& bind : options.binds) {
    args.insert(args.end(),
                {bind.writable ? "--bind" : "--ro-bind", bind.source.string(), bind.target});
  }
  // The root is a tmpfs that bwrap does not bound in size, so it must not be writable.
  args.insert(args.end(), {"--remount-ro", "/"});
  args.insert(args.end(),
              {"--chdir", "/work", "--hostname", "sandbox", "--uid", std::to_string(user.uid),
               "--gid", std::to_string(user.gid), "--clearenv"});
  const std::pair<const char*, const char*> defaults[] = {
      {"PATH", "/usr/bin:/bin"}, {"HOME", "/tmp"}, {"LANG", "C.UTF-8"}};
  for (const auto& [name, value] : defaults) {
    if (!HasEnv(options, name)) {
      args.insert(args.end(), {"--setenv", name, value});
    }
  }
  for (const auto& [name, value] : options.env) {
    args.insert(args.end(), {"--setenv", name, value});
  }
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

Result<std::unique_ptr<Process>> Spawn(const std::vector<std::string>& command,
                                       const Options& options) {
  if (command.empty()) {
    return Fail(Error::InvalidArgument("the sandboxed command is empty"));
  }
  if (access(options.bwrap_path.c_str(), X_OK) != 0) {
    return Fail(Error::Internal(options.bwrap_path.string() +
                                " is missing; install the bubblewrap package"));
  }
  // Writing to a sandbox that has exited must fail with EPIPE, not kill the server.
  signal(SIGPIPE, SIG_IGN);
  const ExecPlan plan = MakePlan(command, options);
  Pipes pipes;
  if (Status opened = pipes.Open(); !opened) {
    return Fail(opened.error());
  }
  // The status pipe carries the child's reports to the parent, the reply pipe the parent's
  // reply to the child.
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    return Fail(Error::Internal("pipe2 failed: " + ErrnoText(errno)));
  }
  int reply_pipe[2];
  if (pipe2(reply_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    close(status_pipe[0]);
    close(status_pipe[1]);
    return Fail(Error::Internal("pipe2 failed: " + ErrnoText(error)));
  }

  const bool own_user_namespace = geteuid() != 0;
  const pid_t pid = StartChild(own_user_namespace);
  if (pid == 0) {
    close(status_pipe[0]);
    close(reply_pipe[1]);
    ExecChild(plan, pipes.child, status_pipe[1], reply_pipe[0], own_user_namespace);
  }
  const int start_error = errno;
  close(status_pipe[1]);
  close(reply_pipe[0]);
  Status started;
  if (pid < 0) {
    started = Fail(Error::Internal("cannot start the sandbox: clone failed: " +
                                   ErrnoText(start_error)));
  } else if (own_user_namespace) {
    const char reply = 1;
    started = MapOwnIds(pid);
    if (started && write(reply_pipe[1], &reply, 1) != 1) {
      started = Fail(Error::Internal("cannot start the sandbox: its process exited during setup"));
    }
    if (!started) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  if (pid > 0 && started) {
    started = CheckChildStarted(status_pipe[0], reply_pipe[1], pid);
  }
  close(status_pipe[0]);
  close(reply_pipe[1]);
  if (!started) {
    return Fail(started.error());
  }
  auto process = std::make_unique<Process>(pid, pipes.parent[0], pipes.parent[1], pipes.parent[2]);
  for (int& fd : pipes.parent) {
    fd = -1;  // now owned by the Process
  }
  return process;
}

Process::Process(pid_t pid, int stdin_fd, int stdout_fd, int stderr_fd)
    : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd), stderr_fd_(stderr_fd) {}

Process::~Process() {
  Kill();
  Wait();
  CloseFd(stdin_fd_);
  CloseFd(stdout_fd_);
  CloseFd(stderr_fd_);
}

Status Process::WriteStdin(std::string_view data) {
  while (!data.empty()) {
    if (stdin_fd_ < 0) {
      return Fail(Error::FailedPrecondition("the sandboxed process's stdin is closed"));
    }
    const ssize_t written = write(stdin_fd_, data.data(), data.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      return Fail(Error::Internal("writing to the sandboxed process failed: " + ErrnoText(errno)));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

void Process::CloseStdin() { CloseFd(stdin_fd_); }

void Process::Kill() {
  // After the reap the pid may belong to another process, so signal only before it.
  if (!exit_) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
  }
}

std::optional<ExitStatus> Process::TryWait() {
  if (exit_) {
    return exit_;
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid_, &status, WNOHANG, &usage) == pid_) {
    exit_ = ToExitStatus(status, usage);
    // Processes the command left in its group outside the PID namespace (there should be none).
    kill(-pid_, SIGKILL);
  }
  return exit_;
}

ExitStatus Process::Wait() {
  if (exit_) {
    return *exit_;
  }
  int status = 0;
  rusage usage{};
  pid_t reaped;
  do {
    reaped = wait4(pid_, &status, 0, &usage);
  } while (reaped < 0 && errno == EINTR);
  exit_ = reaped == pid_ ? ToExitStatus(status, usage) : ExitStatus{};
  kill(-pid_, SIGKILL);
  return *exit_;
}

}  // namespace openlabs::sandbox
