// One-shot runs (Run) and the temporary work directory (WorkDir).
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include "sandbox/sandbox.h"

namespace openlabs::sandbox {
namespace {

using Clock = std::chrono::steady_clock;

// Output of one stream, capped at a number of bytes; the rest is read and dropped so the process
// never blocks on a full pipe.
struct Capture {
  int fd;
  std::string* text;
  bool* truncated;
  bool open = true;
};

void Drain(Capture& capture, size_t max_bytes) {
  char buffer[16384];
  const ssize_t got = read(capture.fd, buffer, sizeof(buffer));
  if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
    return;
  }
  if (got <= 0) {
    capture.open = false;
    return;
  }
  const size_t room = max_bytes - std::min(max_bytes, capture.text->size());
  const size_t kept = std::min(room, static_cast<size_t>(got));
  capture.text->append(buffer, kept);
  if (kept < static_cast<size_t>(got)) {
    *capture.truncated = true;
  }
}

// Writes as much of `input` as the pipe takes now; closes stdin when all is written or the reader
// has gone.
void Feed(Process& process, std::string_view& input) {
  const ssize_t written = write(process.stdin_fd(), input.data(), input.size());
  if (written < 0 && (errno == EINTR || errno == EAGAIN)) {
    return;
  }
  if (written < 0) {
    input = {};
  } else {
    input.remove_prefix(static_cast<size_t>(written));
  }
  if (input.empty()) {
    process.CloseStdin();
  }
}

int MillisecondsUntil(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(0, left));
}

}  // namespace

Result<RunResult> Run(const std::vector<std::string>& command, std::string_view input,
                      const Options& options, const RunOptions& run) {
  Result<std::unique_ptr<Process>> spawned = Spawn(command, options);
  if (!spawned) {
    return Fail(spawned.error());
  }
  Process& process = **spawned;
  RunResult result;
  Capture captures[2] = {{process.stdout_fd(), &result.stdout_text, &result.stdout_truncated},
                         {process.stderr_fd(), &result.stderr_text, &result.stderr_truncated}};
  fcntl(process.stdin_fd(), F_SETFL, O_NONBLOCK);
  if (input.empty()) {
    process.CloseStdin();
  }

  const Clock::time_point deadline = Clock::now() + run.wall_timeout;
  while (captures[0].open || captures[1].open) {
    pollfd polled[3];
    nfds_t count = 0;
    for (const Capture& capture : captures) {
      polled[count++] = {capture.open ? capture.fd : -1, POLLIN, 0};
    }
    polled[count++] = {process.stdin_fd(), POLLOUT, 0};
    const int timeout = MillisecondsUntil(deadline);
    if (timeout == 0) {
      result.timed_out = true;
      break;
    }
    if (poll(polled, count, timeout) < 0 && errno != EINTR) {
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (polled[i].revents != 0) {
        Drain(captures[i], run.max_output_bytes);
      }
    }
    if (polled[2].fd >= 0 && polled[2].revents != 0) {
      Feed(process, input);
    }
  }
  process.Kill();
  result.status = process.Wait();
  return result;
}

WorkDir::WorkDir(std::filesystem::path path, SandboxUser user)
    : path_(std::move(path)), user_(std::move(user)) {}

WorkDir::WorkDir(WorkDir&& other) noexcept
    : path_(std::exchange(other.path_, {})), user_(other.user_) {}

WorkDir& WorkDir::operator=(WorkDir&& other) noexcept {
  if (this != &other) {
    std::error_code ignored;
    if (!path_.empty()) {
      std::filesystem::remove_all(path_, ignored);
    }
    path_ = std::exchange(other.path_, {});
    user_ = other.user_;
  }
  return *this;
}

WorkDir::~WorkDir() {
  if (!path_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
}

Result<WorkDir> WorkDir::Create(const SandboxUser& user, const std::filesystem::path& parent) {
  std::error_code error;
  const std::filesystem::path base =
      parent.empty() ? std::filesystem::temp_directory_path(error) : parent;
  std::string pattern = (base / "openlabs-sandbox-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return Fail(Error::Internal("cannot create a sandbox work directory under " + base.string() +
                                ": " + std::error_code(errno, std::generic_category()).message()));
  }
  WorkDir dir(pattern, user);
  if (geteuid() == 0 && chown(pattern.c_str(), user.uid, user.gid) != 0) {
    return Fail(Error::Internal("cannot give " + pattern + " to the sandbox user " + user.name));
  }
  return dir;
}

Status WorkDir::CopyFrom(const std::filesystem::path& source) {
  std::error_code error;
  std::filesystem::copy(
      source, path_,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing,
      error);
  if (error) {
    return Fail(Error::Internal("cannot copy " + source.string() +
                                " into the sandbox: " + error.message()));
  }
  if (geteuid() != 0) {
    return {};
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path_, error)) {
    // lchown: a symlink in the source must not make us chown its target.
    if (lchown(entry.path().c_str(), user_.uid, user_.gid) != 0) {
      return Fail(Error::Internal("cannot give " + entry.path().string() + " to the sandbox user"));
    }
  }
  return {};
}

Status WorkDir::WriteFile(const std::string& name, std::string_view content) {
  const std::filesystem::path target = path_ / name;
  std::ofstream file(target, std::ios::binary | std::ios::trunc);
  file.write(content.data(), static_cast<std::streamsize>(content.size()));
  file.close();
  if (!file) {
    return Fail(Error::Internal("cannot write " + target.string()));
  }
  if (geteuid() == 0 && chown(target.c_str(), user_.uid, user_.gid) != 0) {
    return Fail(Error::Internal("cannot give " + target.string() + " to the sandbox user"));
  }
  return {};
}

}  // namespace openlabs::sandbox
