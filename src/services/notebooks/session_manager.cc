#include "services/notebooks/session_manager.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/random.h"
#include "services/notebooks/session_roots.h"

namespace openlabs::notebooks {
namespace {

using Clock = std::chrono::steady_clock;

// A cell that runs this much longer than its wall-clock limit is stuck in code that the kernel's
// own timer cannot interrupt (one long C call), so the server kills the session.
constexpr auto kStuckCellGrace = std::chrono::seconds(10);
// How long releasing a kernel waits for its process tree to be reaped before it reuses the uid.
constexpr auto kReapTimeout = std::chrono::milliseconds(5000);

Status CheckOptions(const SessionManagerOptions& options) {
  std::vector<FieldViolation> problems;
  if (options.max_sessions < 1) {
    problems.push_back({"notebooks.max_sessions", "must be at least 1"});
  }
  if (options.max_sessions_per_user < 1) {
    problems.push_back({"notebooks.max_sessions_per_user", "must be at least 1"});
  }
  if (options.pool_size < 0) {
    problems.push_back({"notebooks.pool_size", "must not be negative"});
  }
  if (options.uid_count < options.max_sessions + options.pool_size) {
    problems.push_back({"notebooks.sandbox_uid_count",
                        "must be at least max_sessions + pool_size, one uid per kernel"});
  }
  if (!std::filesystem::exists(options.kernel_dir / "run_kernel.py")) {
    problems.push_back({"kernel_dir", options.kernel_dir.string() + " has no run_kernel.py"});
  }
  if (problems.empty()) {
    return {};
  }
  Error error = Error::Validation(std::move(problems));
  error.message = "The notebook session settings are invalid.";
  return Fail(std::move(error));
}

}  // namespace

SessionManager::SessionManager(SessionManagerOptions options) : options_(std::move(options)) {}

sandbox::UidBlock SessionManager::UidBlock() const {
  return {options_.first_uid, options_.uid_count, options_.uid_lock_dir};
}

Result<std::unique_ptr<SessionManager>> SessionManager::Create(SessionManagerOptions options) {
  if (Status checked = CheckOptions(options); !checked) {
    return Fail(checked.error());
  }
  std::unique_ptr<SessionManager> manager(new SessionManager(std::move(options)));
  const SessionManagerOptions& settings = manager->options_;
  std::error_code error;
  std::filesystem::remove_all(settings.session_root, error);
  std::filesystem::create_directories(settings.session_root, error);
  // Kernels may pass through the root to their own staging directory, but not list it.
  if (!error) {
    std::filesystem::permissions(settings.session_root, std::filesystem::perms(0711), error);
  }
  if (error) {
    return Fail(Error::Internal("cannot create the notebook session directory " +
                                settings.session_root.string() + ": " + error.message()));
  }
  ClaimSessionRoot(settings.session_root);
  if (const int stale = RemoveStaleSessionRoots(settings.session_root); stale > 0) {
    spdlog::info("Removed {} notebook session folders left by stopped servers next to {}", stale,
                 settings.session_root.string());
  }
  manager->switch_uid_ = geteuid() == 0;
  if (manager->switch_uid_) {
    if (Status checked = sandbox::CheckUidBlock(manager->UidBlock()); !checked) {
      return Fail(checked.error());
    }
  } else {
    spdlog::warn(
        "The server does not run as root, so notebook kernels run under its own uid and "
        "sessions share one process limit");
  }
  manager->sweeper_ = std::thread([raw = manager.get()] { raw->SweepLoop(); });
  return manager;
}

SessionManager::~SessionManager() {
  Shutdown();
  if (sweeper_.joinable()) {
    sweeper_.join();
  }
}

Result<SessionManager::Kernel> SessionManager::StartKernel() {
  Kernel kernel;
  if (switch_uid_) {
    Result<sandbox::UidLease> lease = sandbox::LeaseUid(UidBlock());
    if (!lease) {
      return Fail(lease.error());
    }
    kernel.uid = lease->uid();
    kernel.uid_lease = std::make_shared<sandbox::UidLease>(std::move(*lease));
  }
  {
    std::lock_guard lock(mutex_);
    kernel.staging_dir = options_.session_root / ("kernel-" + std::to_string(next_staging_++));
  }
  std::error_code error;
  std::filesystem::create_directories(kernel.staging_dir, error);
  // The kernel reads the staging directory through a read-only bind. Only its own group may
  // read it, so the assets of one session stay hidden from other sessions' uids.
  if (!error) {
    std::filesystem::permissions(kernel.staging_dir, std::filesystem::perms(0750), error);
  }
  if (!error && kernel.uid && chown(kernel.staging_dir.c_str(), 0, *kernel.uid) != 0) {
    error = std::error_code(errno, std::generic_category());
  }
  if (error) {
    ReleaseKernel(kernel, "");
    return Fail(
        Error::Internal("cannot create " + kernel.staging_dir.string() + ": " + error.message()));
  }
  KernelSpec spec;
  spec.kernel_dir = options_.kernel_dir;
  spec.staging_dir = kernel.staging_dir;
  spec.limits = options_.limits;
  if (kernel.uid) {
    spec.user = sandbox::SandboxUser{*kernel.uid, *kernel.uid, "openlabs-session"};
  }
  Result<std::unique_ptr<Session>> started = Session::Start(spec, options_.startup_timeout);
  if (!started) {
    spdlog::error("Starting a notebook kernel failed: {} {}", started.error().message,
                  started.error().internal);
    ReleaseKernel(kernel, "");
    return Fail(started.error());
  }
  kernel.session = std::move(*started);
  return kernel;
}

// Ends the kernel's session, waits until its processes are gone, then frees its uid and
// deletes its staging directory.
void SessionManager::ReleaseKernel(Kernel& kernel, const std::string& reason) {
  if (kernel.session) {
    kernel.session->End(reason);
    if (!kernel.session->WaitForExit(kReapTimeout)) {
      spdlog::error("Notebook kernel {} was not reaped in time; its uid stays reserved",
                    kernel.session->kernel_pid());
      std::lock_guard lock(mutex_);
      stuck_leases_.push_back(std::move(kernel.uid_lease));
      kernel.uid.reset();
    }
  }
  if (kernel.uid) {
    sandbox::KillProcessesOfUid(*kernel.uid);
  }
  std::error_code ignored;
  if (!kernel.staging_dir.empty()) {
    std::filesystem::remove_all(kernel.staging_dir, ignored);
  }
  // Dropping the lease frees the uid for the next kernel of any process sharing the block.
  kernel.uid_lease.reset();
}

Result<std::shared_ptr<Session>> SessionManager::Create(int64_t owner_id,
                                                        const NotebookSource& source) {
  Kernel kernel;
  bool pooled = false;
  std::string id = RandomToken(18);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return Fail(Error{ErrorCode::kUnavailable, "The server is stopping; try again shortly."});
    }
    int owned = 0;
    for (const auto& [session_id, running] : sessions_) {
      // A placeholder has no session yet, but its slot counts for the user who reserved it.
      const int64_t owner = running.session ? running.session->owner_id() : running.reserved_for;
      owned += owner == owner_id ? 1 : 0;
    }
    if (owned >= options_.max_sessions_per_user) {
      return Fail(Error{ErrorCode::kRateLimited,
                        "You have " + std::to_string(owned) +
                            " notebook sessions open, the maximum; end one before starting "
                            "another."});
    }
    if (static_cast<int>(sessions_.size()) >= options_.max_sessions) {
      // The server is full, not this user over a limit, so the status is 503 rather than 429.
      return Fail(Error{ErrorCode::kUnavailable,
                        "The server runs its maximum number of notebook sessions. Try again "
                        "in a minute.",
                        {},
                        "",
                        30});
    }
    // A placeholder reserves the slot while the kernel starts, outside the lock.
    Kernel placeholder;
    placeholder.reserved_for = owner_id;
    sessions_.emplace(id, std::move(placeholder));
    // A pooled kernel that died is left for the sweeper to release.
    for (auto candidate = pool_.begin(); candidate != pool_.end(); ++candidate) {
      if (!candidate->session->ended()) {
        kernel = std::move(*candidate);
        pool_.erase(candidate);
        pooled = true;
        break;
      }
    }
  }
  wake_.notify_all();  // the sweeper refills the pool
  if (!pooled) {
    Result<Kernel> started = StartKernel();
    if (!started) {
      std::lock_guard lock(mutex_);
      sessions_.erase(id);
      return Fail(started.error());
    }
    kernel = std::move(*started);
  }
  Status opened = kernel.session->Open(id, owner_id, source, options_.request_timeout);
  std::unique_lock lock(mutex_);
  if (!opened || stopping_) {
    sessions_.erase(id);
    lock.unlock();
    ReleaseKernel(kernel, "the notebook could not be opened");
    if (!opened) {
      return Fail(opened.error());
    }
    return Fail(Error{ErrorCode::kUnavailable, "The server is stopping; try again shortly."});
  }
  (pooled ? started_from_pool_ : started_cold_) += 1;
  std::shared_ptr<Session> session = kernel.session;
  sessions_[id] = std::move(kernel);
  spdlog::info("Notebook session {} started for user {} ({}, uid {})", id, owner_id,
               pooled ? "pooled kernel" : "cold start", session->uid());
  return session;
}

Result<std::shared_ptr<Session>> SessionManager::Get(const std::string& session_id,
                                                     int64_t owner_id) {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(session_id);
  if (found == sessions_.end() || !found->second.session ||
      found->second.session->owner_id() != owner_id) {
    return Fail(Error::NotFound("No notebook session " + session_id +
                                " is open for you; it may have expired. Start a new one."));
  }
  return found->second.session;
}

std::vector<std::shared_ptr<Session>> SessionManager::List(int64_t owner_id) const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Session>> owned;
  for (const auto& [id, kernel] : sessions_) {
    if (kernel.session && kernel.session->owner_id() == owner_id) {
      owned.push_back(kernel.session);
    }
  }
  return owned;
}

Status SessionManager::End(const std::string& session_id, int64_t owner_id) {
  Kernel kernel;
  {
    std::lock_guard lock(mutex_);
    auto found = sessions_.find(session_id);
    if (found == sessions_.end() || !found->second.session ||
        found->second.session->owner_id() != owner_id) {
      return Fail(Error::NotFound("No notebook session " + session_id + " is open for you."));
    }
    kernel = std::move(found->second);
    sessions_.erase(found);
  }
  spdlog::info("Notebook session {} ended by its owner", session_id);
  ReleaseKernel(kernel, "the session was ended by its owner");
  wake_.notify_all();
  return {};
}

void SessionManager::MarkExpected(std::deque<Kernel>& pooled,
                                  std::map<std::string, Kernel>& running) {
  for (Kernel& kernel : pooled) {
    if (kernel.session) {
      kernel.session->ExpectExit();
    }
  }
  for (auto& [id, kernel] : running) {
    if (kernel.session) {
      kernel.session->ExpectExit();
    }
  }
}

void SessionManager::ExpectKernelExits() {
  // Copies of the kernels' sessions, so that no session lock is taken under mutex_.
  std::deque<Kernel> pooled;
  std::map<std::string, Kernel> running;
  {
    std::lock_guard lock(mutex_);
    for (const Kernel& kernel : pool_) {
      pooled.push_back(Kernel{.session = kernel.session});
    }
    for (const auto& [id, kernel] : sessions_) {
      running.emplace(id, Kernel{.session = kernel.session});
    }
  }
  MarkExpected(pooled, running);
}

void SessionManager::Shutdown() {
  std::deque<Kernel> pooled;
  std::map<std::string, Kernel> running;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    pooled.swap(pool_);
    running.swap(sessions_);
  }
  // Kernels started by the sweeper thread get SIGKILL when it ends, before ReleaseKernel below.
  MarkExpected(pooled, running);
  wake_.notify_all();
  if (!running.empty()) {
    spdlog::info("Ending {} notebook sessions because the server is stopping", running.size());
  }
  for (auto& [id, kernel] : running) {
    ReleaseKernel(kernel, "the server is restarting; start a new session in a moment");
  }
  for (Kernel& kernel : pooled) {
    ReleaseKernel(kernel, "");
  }
  ReleaseSessionRoot(options_.session_root);
}

SessionStats SessionManager::Stats() const {
  std::lock_guard lock(mutex_);
  return {static_cast<int>(sessions_.size()), static_cast<int>(pool_.size()), started_from_pool_,
          started_cold_};
}

void SessionManager::SweepLoop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.sweep_interval);
      if (stopping_) {
        return;
      }
    }
    Sweep();
    RefillPool();
  }
}

// Ends sessions that are idle, too old, stuck in a cell, or whose kernel died.
void SessionManager::Sweep() {
  const Clock::time_point now = Clock::now();
  const auto stuck_after = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::duration<double>(options_.limits.cell_wall_seconds)) +
                           kStuckCellGrace;
  std::vector<std::pair<Kernel, std::string>> expired;
  {
    std::lock_guard lock(mutex_);
    for (auto entry = sessions_.begin(); entry != sessions_.end();) {
      const std::shared_ptr<Session>& session = entry->second.session;
      std::string reason;
      if (!session) {
        // A placeholder of a session that is starting.
      } else if (session->ended()) {
        reason = session->end_reason();
      } else if (session->running_for() > stuck_after) {
        reason =
            "a cell ran past its time limit and could not be interrupted, so the kernel "
            "was stopped";
      } else if (session->running_for().count() == 0 &&
                 now - session->last_active() > options_.idle_timeout) {
        reason = "the session was idle for more than " +
                 std::to_string(options_.idle_timeout.count()) + " s";
      } else if (now - session->started_at() > options_.max_lifetime) {
        reason = "the session reached its maximum life of " +
                 std::to_string(options_.max_lifetime.count()) + " s";
      }
      if (reason.empty()) {
        ++entry;
        continue;
      }
      spdlog::info("Notebook session {} of user {} ends: {}", entry->first, session->owner_id(),
                   reason);
      expired.emplace_back(std::move(entry->second), reason);
      entry = sessions_.erase(entry);
    }
    for (auto kernel = pool_.begin(); kernel != pool_.end();) {
      if (kernel->session->ended()) {
        expired.emplace_back(std::move(*kernel), "");
        kernel = pool_.erase(kernel);
      } else {
        ++kernel;
      }
    }
  }
  for (auto& [kernel, reason] : expired) {
    ReleaseKernel(kernel, reason);
  }
}

// Starts kernels, one at a time, until the pool is full. Leaves room for max_sessions.
void SessionManager::RefillPool() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      const int wanted = options_.pool_size - static_cast<int>(pool_.size()) - starting_;
      const int room = options_.max_sessions - static_cast<int>(sessions_.size());
      if (stopping_ || wanted <= 0 || room <= static_cast<int>(pool_.size())) {
        return;
      }
      ++starting_;
    }
    Result<Kernel> kernel = StartKernel();
    std::unique_lock lock(mutex_);
    --starting_;
    if (!kernel) {
      return;  // logged by StartKernel; the next sweep tries again
    }
    if (stopping_) {
      lock.unlock();
      ReleaseKernel(*kernel, "");
      return;
    }
    pool_.push_back(std::move(*kernel));
  }
}

}  // namespace openlabs::notebooks
