#include "sandbox/uid_lease.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

namespace openlabs::sandbox {

UidLease::UidLease(UidLease&& other) noexcept
    : uid_(other.uid_), fd_(std::exchange(other.fd_, -1)) {}

UidLease& UidLease::operator=(UidLease&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    uid_ = other.uid_;
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UidLease::~UidLease() {
  // Closing the only descriptor of the open file releases the flock.
  if (fd_ >= 0) {
    close(fd_);
  }
}

// One pass over the account database (getpwent) replaces a getpwuid call per uid, because with
// the systemd NSS module each call opens several files and a block may have up to 100,000 uids.
// Account sources that do not enumerate their accounts (some LDAP setups) are not seen.
Status CheckUidBlock(const UidBlock& block) {
  const uint64_t end = uint64_t{block.first} + static_cast<uint64_t>(block.count);
  std::optional<uid_t> lowest;
  setpwent();
  while (const passwd* account = getpwent()) {
    if (account->pw_uid >= block.first && account->pw_uid < end &&
        (!lowest || account->pw_uid < *lowest)) {
      lowest = account->pw_uid;
    }
  }
  endpwent();
  if (lowest) {
    return Fail(Error::Internal("the sandbox uid " + std::to_string(*lowest) +
                                " belongs to an account; choose another "
                                "notebooks.sandbox_first_uid"));
  }
  return {};
}

Result<UidLease> LeaseUid(const UidBlock& block) {
  std::error_code error;
  std::filesystem::create_directories(block.lock_dir, error);
  if (error) {
    return Fail(Error::Internal("cannot create the uid lock directory " + block.lock_dir.string() +
                                ": " + error.message()));
  }
  for (int i = 0; i < block.count; ++i) {
    const uid_t uid = block.first + static_cast<uid_t>(i);
    const std::filesystem::path path = block.lock_dir / (std::to_string(uid) + ".lock");
    // O_CLOEXEC keeps the descriptor out of sandboxed children, which would otherwise hold the
    // lock after the lease ends.
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      return Fail(Error::Internal("cannot open " + path.string() + ": " + std::strerror(errno)));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      return UidLease(uid, fd);
    }
    const int lock_error = errno;
    close(fd);
    if (lock_error != EWOULDBLOCK) {
      return Fail(
          Error::Internal("cannot lock " + path.string() + ": " + std::strerror(lock_error)));
    }
  }
  return Fail(Error{ErrorCode::kUnavailable,
                    "Every sandbox uid from " + std::to_string(block.first) + " to " +
                        std::to_string(block.first + static_cast<uid_t>(block.count) - 1) +
                        " is in use; try again later or raise notebooks.sandbox_uid_count."});
}

void KillProcessesOfUid(uid_t uid) {
  const pid_t child = fork();
  if (child == 0) {
    if (setgid(uid) != 0 || setuid(uid) != 0) {
      _exit(1);
    }
    // kill(-1) reaches every process the caller may signal, which after setuid is exactly the
    // processes of `uid`.
    kill(-1, SIGKILL);
    _exit(0);
  }
  if (child > 0) {
    int status = 0;
    waitpid(child, &status, 0);
  }
}

UidBlock ConfiguredUidBlock(const Config& config) {
  UidBlock block;
  block.first = static_cast<uid_t>(NotebookSandboxFirstUid(config));
  block.count = static_cast<int>(config.notebooks.sandbox_uid_count);
  return block;
}

Result<UidBlock> LoadConfiguredUidBlock(const std::optional<std::string>& config_file,
                                        const std::optional<std::string>& data_dir) {
  Config config;
  ConfigSources sources;
  sources.file_path = config_file;
  sources.overrides = [&](Config& target) {
    if (data_dir) {
      target.data_dir = *data_dir;
    }
  };
  if (Status loaded = LoadConfig(sources, config); !loaded) {
    return Fail(loaded.error());
  }
  const UidBlock block = ConfiguredUidBlock(config);
  if (Status checked = CheckUidBlock(block); !checked) {
    return Fail(checked.error());
  }
  return block;
}

SandboxUserLease::SandboxUserLease(SandboxUserLease&& other) noexcept
    : user_(other.user_), lease_(std::exchange(other.lease_, std::nullopt)) {}

SandboxUserLease& SandboxUserLease::operator=(SandboxUserLease&& other) noexcept {
  if (this != &other) {
    Release();
    user_ = other.user_;
    lease_ = std::exchange(other.lease_, std::nullopt);
  }
  return *this;
}

SandboxUserLease::~SandboxUserLease() { Release(); }

void SandboxUserLease::Release() {
  if (lease_) {
    KillProcessesOfUid(lease_->uid());
    lease_.reset();
  }
}

Result<SandboxUserLease> LeaseSandboxUser(const std::optional<UidBlock>& block,
                                          const std::string& name) {
  if (geteuid() != 0) {
    return SandboxUserLease(SandboxUser{getuid(), getgid(), "self"}, std::nullopt);
  }
  if (!block) {
    return SandboxUserLease(DefaultSandboxUser(), std::nullopt);
  }
  Result<UidLease> lease = LeaseUid(*block);
  if (!lease) {
    return Fail(lease.error());
  }
  const uid_t uid = lease->uid();
  return SandboxUserLease(SandboxUser{uid, uid, name}, std::move(*lease));
}

}  // namespace openlabs::sandbox
