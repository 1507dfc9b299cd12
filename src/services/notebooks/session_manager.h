// The live notebook sessions of the server: creation from a pool of started kernels, limits per
// user and in total, idle expiry, a maximum life, and a clean end of every session when the
// server stops.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "sandbox/uid_lease.h"
#include "services/notebooks/session.h"

namespace openlabs::notebooks {

struct SessionManagerOptions {
  std::filesystem::path kernel_dir;
  // Holds one staging directory per kernel. It is emptied at start, because whatever a previous
  // server process left there belongs to sessions that ended with it.
  std::filesystem::path session_root;
  SessionLimits limits;
  std::chrono::seconds idle_timeout{15 * 60};
  std::chrono::seconds max_lifetime{4 * 3600};
  int max_sessions_per_user = 2;
  int max_sessions = 16;
  int pool_size = 2;  // started kernels kept waiting for a session
  // Kernels run under uids first_uid .. first_uid + uid_count - 1, one per kernel, so that the
  // process limit and file ownership of one session never touch another. Used only when the
  // server runs as root (an unprivileged server cannot switch uid and runs kernels as itself).
  uid_t first_uid = 993000;
  int uid_count = 64;
  // Lease files of the uids (see sandbox::UidLease), shared with other processes that run
  // sandboxes from the same block, such as `openlabs notebook run`.
  std::filesystem::path uid_lock_dir = sandbox::kDefaultUidLockDir;
  std::chrono::milliseconds startup_timeout{20'000};
  std::chrono::milliseconds request_timeout{10'000};
  // How often expiry and pool refills are checked.
  std::chrono::milliseconds sweep_interval{1000};
};

// Counts shown in logs, tests and benchmarks.
struct SessionStats {
  int sessions = 0;
  int pooled = 0;
  int64_t started_from_pool = 0;
  int64_t started_cold = 0;
};

class SessionManager {
 public:
  // Checks the options, empties the session root and starts the pool and the sweeper thread.
  static Result<std::unique_ptr<SessionManager>> Create(SessionManagerOptions options);
  ~SessionManager();
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  // Starts a session of `owner_id` on a notebook, with a pooled kernel when one is ready. Fails
  // with kRateLimited when the owner or the server is at its session limit.
  Result<std::shared_ptr<Session>> Create(int64_t owner_id, const NotebookSource& source);
  // The session with this id when `owner_id` owns it; kNotFound otherwise, so that ids of other
  // users' sessions cannot be probed.
  Result<std::shared_ptr<Session>> Get(const std::string& session_id, int64_t owner_id);
  // The sessions of `owner_id` that count towards its limit, ordered by id. A session whose
  // kernel has ended stays listed until the sweeper or End removes it.
  std::vector<std::shared_ptr<Session>> List(int64_t owner_id) const;
  // Ends a session and frees its kernel.
  Status End(const std::string& session_id, int64_t owner_id);
  // Ends every session and pooled kernel; later Create calls fail. Called when the server stops.
  void Shutdown();
  // Marks every kernel's coming exit as intended, so that kernels killed while the server stops
  // (by PR_SET_PDEATHSIG when the thread that started them ends) are not logged as crashes.
  // Shutdown does the same; the server calls this earlier, as soon as it starts to stop.
  void ExpectKernelExits();

  SessionStats Stats() const;
  const SessionManagerOptions& options() const { return options_; }

 private:
  explicit SessionManager(SessionManagerOptions options);

  // A started kernel with its uid and staging directory.
  struct Kernel {
    std::shared_ptr<Session> session;
    std::filesystem::path staging_dir;
    std::optional<uid_t> uid;
    std::shared_ptr<sandbox::UidLease> uid_lease;  // holds `uid` until the kernel is released
    // Owner of a placeholder in sessions_ (a session still starting, with no `session` yet).
    int64_t reserved_for = 0;
  };
  // Marks the kernels of `pooled` and `running` as ending on purpose (Session::ExpectExit).
  static void MarkExpected(std::deque<Kernel>& pooled, std::map<std::string, Kernel>& running);

  sandbox::UidBlock UidBlock() const;
  Result<Kernel> StartKernel();
  void ReleaseKernel(Kernel& kernel, const std::string& reason);
  void Sweep();
  void SweepLoop();
  void RefillPool();

  SessionManagerOptions options_;
  bool switch_uid_ = false;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Kernel> pool_;
  std::map<std::string, Kernel> sessions_;  // live sessions by id
  // Leases of kernels that were not reaped in time, kept so their uids are never reused.
  std::vector<std::shared_ptr<sandbox::UidLease>> stuck_leases_;
  int starting_ = 0;  // kernels being started for the pool
  int64_t next_staging_ = 1;
  int64_t started_from_pool_ = 0;
  int64_t started_cold_ = 0;
  std::thread sweeper_;
};

}  // namespace openlabs::notebooks
