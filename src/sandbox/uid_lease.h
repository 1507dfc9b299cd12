// Leases on the uids that sandboxes run under, shared between processes.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "common/config.h"
#include "common/error.h"
#include "sandbox/sandbox.h"

namespace openlabs::sandbox {

// The default directory of lease files. Only root switches uids, and /run belongs to root and
// is cleared at boot.
inline constexpr const char* kDefaultUidLockDir = "/run/openlabs-sandbox-uids";

// A block of uids, first .. first + count - 1, for sandboxes that each need a uid of their own.
struct UidBlock {
  uid_t first = 0;
  int count = 0;
  std::filesystem::path lock_dir = kDefaultUidLockDir;
};

// One uid of a block, held until the lease is destroyed. The lease is an flock(2) lock on the
// file "<lock_dir>/<uid>.lock", so two processes that lease from the same block (a server's
// notebook sessions and `openlabs notebook run`) never run sandboxes under the same uid. The
// operating system drops the lock when the holder exits, even when it crashes. The files stay
// after the lease ends, because deleting one would race with a process that is locking it.
// Not copyable.
class UidLease {
 public:
  UidLease(uid_t uid, int fd) : uid_(uid), fd_(fd) {}
  UidLease(UidLease&& other) noexcept;
  UidLease& operator=(UidLease&& other) noexcept;
  UidLease(const UidLease&) = delete;
  UidLease& operator=(const UidLease&) = delete;
  ~UidLease();

  uid_t uid() const { return uid_; }

 private:
  uid_t uid_ = 0;
  int fd_ = -1;
};

// The block of a configuration: notebooks.sandbox_first_uid (or the block derived from the data
// directory) and notebooks.sandbox_uid_count. Notebook kernels, grading jobs and cell syntax
// checks all lease their uids from it.
UidBlock ConfiguredUidBlock(const Config& config);

// Reads the configuration as `openlabs serve` does, from `config_file` when given, the
// OPENLABS_* environment and `data_dir` when given, and returns its block after CheckUidBlock.
// A command-line run leases from it, so that it shares no uid with the server beside it.
Result<UidBlock> LoadConfiguredUidBlock(const std::optional<std::string>& config_file,
                                        const std::optional<std::string>& data_dir);

// Fails when a uid of the block belongs to an account, because sandboxed code running under it
// could reach that account's files and processes.
Status CheckUidBlock(const UidBlock& block);

// Leases the lowest uid of the block that no other lease holds. kUnavailable when every uid is
// leased; kInternal when the lock directory cannot be created.
Result<UidLease> LeaseUid(const UidBlock& block);

// Sends SIGKILL to every process that runs under `uid`, from a child process that takes that
// uid, so that nothing started under a lease outlives it, even a process that left the
// sandbox's process group. Needs root. Waits for the child, not for the killed processes.
void KillProcessesOfUid(uid_t uid);

// The user that the sandboxes of one job run under, for example one grading job or one cell
// syntax check. When the uid is leased, destroying the object kills every process left under
// the uid and then frees it. Movable, not copyable.
class SandboxUserLease {
 public:
  SandboxUserLease(SandboxUser user, std::optional<UidLease> lease)
      : user_(std::move(user)), lease_(std::move(lease)) {}
  SandboxUserLease(SandboxUserLease&& other) noexcept;
  SandboxUserLease& operator=(SandboxUserLease&& other) noexcept;
  SandboxUserLease(const SandboxUserLease&) = delete;
  SandboxUserLease& operator=(const SandboxUserLease&) = delete;
  ~SandboxUserLease();

  const SandboxUser& user() const { return user_; }
  // Whether the uid is this job's alone, rather than shared with other jobs.
  bool leased() const { return lease_.has_value(); }

 private:
  void Release();

  SandboxUser user_;
  std::optional<UidLease> lease_;
};

// Chooses the user for one job by the policy of notebook sessions. As root with a block, the job
// gets a uid of the block for itself, so that RLIMIT_NPROC and file ownership of one job never
// touch another (kUnavailable when every uid is leased). As root without a block, it gets
// DefaultSandboxUser(), shared with every other such job. Otherwise it runs under the caller's
// own uid, because only root can switch uids. `name` labels a leased user in messages.
Result<SandboxUserLease> LeaseSandboxUser(const std::optional<UidBlock>& block,
                                          const std::string& name);

}  // namespace openlabs::sandbox
