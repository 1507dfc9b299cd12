// Leases on the uids that sandboxes run under, shared between processes.
#pragma once

#include <sys/types.h>

#include <filesystem>

#include "common/error.h"

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

}  // namespace openlabs::sandbox
