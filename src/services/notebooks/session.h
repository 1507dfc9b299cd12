// A live notebook session: one sandboxed kernel process that a learner or author drives with
// the requests of kernel/PROTOCOL.md, and whose events go to every subscriber (the WebSocket
// connections of the session's owner).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "sandbox/sandbox.h"

namespace openlabs::notebooks {

// Limits of one session's kernel.
struct SessionLimits {
  double cell_cpu_seconds = 30;    // CPU time of one cell run; the cell gets an error beyond it
  double cell_wall_seconds = 120;  // wall-clock time of one cell run
  int session_cpu_seconds = 1800;  // CPU time of the whole kernel process; it is killed beyond
  uint64_t memory_bytes = 512ull << 20;   // address space per process (RLIMIT_AS)
  int max_processes = 32;                 // processes and threads of the session's uid
  int max_open_files = 256;               // per process
  uint64_t max_file_bytes = 64ull << 20;  // largest file a cell may write (RLIMIT_FSIZE)
  // Size of the tmpfs at /work, which holds the notebook's assets and everything the cells
  // write there, so it bounds the bytes a session can write. /tmp is a second tmpfs.
  uint64_t work_bytes = 128ull << 20;
  uint64_t tmp_bytes = 64ull << 20;
};

// What a session opens: the text of a marimo `.py` file and a directory of assets that the cells
// open by relative path (empty for none).
struct NotebookSource {
  std::string marimo_source;
  std::filesystem::path assets_dir;
  std::optional<int64_t> notebook_id;  // the stored notebook, when the source came from one
};

// How the kernel is started. `user` is the uid the kernel runs under; `staging_dir` is a host
// directory, owned by the server, that the sandbox sees read-only at kStagingMountPoint.
struct KernelSpec {
  std::filesystem::path kernel_dir;
  std::filesystem::path staging_dir;
  std::optional<sandbox::SandboxUser> user;
  SessionLimits limits;
};

// Mount point, inside the sandbox, of the session's staging directory. The kernel copies the
// assets from there into /work when the session opens its notebook.
inline constexpr const char* kStagingMountPoint = "/opt/openlabs/staging";

// One uploaded file for a file widget (`mo.ui.file`).
struct WidgetFile {
  std::string name;  // the file name the browser sent
  std::string contents;
};

// Receives each kernel event of a session as one JSON text (an object with "type"), plus the
// session's own `session_ended` event. Called on the session's reader thread: it must not
// block, and must not call back into the session's Subscribe or Unsubscribe.
using EventListener = std::function<void(const std::string& event_json)>;

// Whether the session keeps a request's `done` or `failed` reply for Wait. Subscribers get
// every reply either way. A discarded reply is not stored, so requests that no caller waits for
// (most runs and widget changes) cost no memory once the kernel has replied to them.
enum class ReplyMode { kDiscard, kKeep };

class Session {
 public:
  // Starts the kernel and waits for its `ready` event, up to `startup_timeout`.
  static Result<std::unique_ptr<Session>> Start(const KernelSpec& spec,
                                                std::chrono::milliseconds startup_timeout);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Binds the session to its owner and notebook: copies the assets into the staging directory,
  // has the kernel copy them into /work and opens the notebook (nothing runs yet).
  Status Open(std::string id, int64_t owner_id, const NotebookSource& source,
              std::chrono::milliseconds timeout);

  const std::string& id() const { return id_; }
  int64_t owner_id() const { return owner_id_; }
  // The stored notebook that Open loaded, or nullopt for a source sent with the request.
  std::optional<int64_t> notebook_id() const;
  // Wall-clock time of Open.
  std::chrono::system_clock::time_point opened_at() const;
  pid_t kernel_pid() const;
  uid_t uid() const { return spec_.user ? spec_.user->uid : getuid(); }

  // Sends a protocol request (without "id", which is assigned here) and returns its id. Fails
  // when the kernel has ended. A request submitted with ReplyMode::kKeep must be passed to
  // Wait, which releases its reply.
  Result<int64_t> Submit(nlohmann::json request, ReplyMode reply = ReplyMode::kDiscard);
  // Waits for the `done` or `failed` event of a request submitted with ReplyMode::kKeep and
  // returns it. After a timeout the reply is no longer kept. Fails at once for a request whose
  // reply is discarded.
  Result<nlohmann::json> Wait(int64_t request_id, std::chrono::milliseconds timeout);
  // Sets a file widget's value: writes `files` into the staging directory, which the kernel
  // can only read, and submits `set_widget` with their paths inside the sandbox. The files are
  // deleted when the kernel has handled the request, or with the session.
  Result<int64_t> SubmitWidgetFiles(const std::string& widget_id,
                                    const std::vector<WidgetFile>& files,
                                    ReplyMode reply = ReplyMode::kDiscard);
  // Submit and Wait together.
  Result<nlohmann::json> Call(nlohmann::json request, std::chrono::milliseconds timeout);
  // Replies kept for Wait, received or not yet received. Tests check that it stays bounded.
  size_t kept_reply_count() const;

  // Adds a listener and returns its handle; the listener first receives a `snapshot` event with
  // the session's current cells, statuses and outputs.
  int64_t Subscribe(EventListener listener);
  void Unsubscribe(int64_t handle);

  // The `snapshot` event: {"type": "snapshot", "session", "cells": [...], "ended"}.
  nlohmann::json Snapshot() const;
  // The ids in `cell_ids` that name no cell of the session now, in their order.
  std::vector<std::string> UnknownCells(const std::vector<std::string>& cell_ids) const;
  // Whether the last `widgets` event of some cell lists a widget with this id, at any depth of
  // `children`.
  bool HasWidget(const std::string& widget_id) const;
  // The description of that widget ({"id", "kind", "props", ...}), or nullopt.
  std::optional<nlohmann::json> FindWidget(const std::string& widget_id) const;

  // Kills the kernel and its whole process tree; subscribers get `session_ended` with `reason`.
  void End(const std::string& reason);
  // Marks the kernel's coming exit as intended, so that it is logged at debug level. The server
  // calls it when it stops, because a kernel whose starting thread ends first gets SIGKILL from
  // PR_SET_PDEATHSIG before End reaches it.
  void ExpectExit();
  bool ended() const;
  // Waits until the kernel process has been reaped, so no process of the session is left.
  bool WaitForExit(std::chrono::milliseconds timeout);
  std::string end_reason() const;

  // Time of the last request, for idle expiry.
  std::chrono::steady_clock::time_point last_active() const;
  std::chrono::steady_clock::time_point started_at() const { return started_at_; }
  // How long the current cell has been running, or zero when none runs.
  std::chrono::milliseconds running_for() const;

 private:
  struct CellState;
  explicit Session(KernelSpec spec);

  Result<int64_t> Submit(nlohmann::json request, ReplyMode reply,
                         const std::filesystem::path& remove_when_done);
  void ReadEvents();
  void WriteRequests();
  void StopWriter();
  void HandleLine(const std::string& line);
  void ApplyEvent(const nlohmann::json& event, const std::string& line);
  void Broadcast(const std::string& text);
  void FinishKernel(const std::string& reason);
  nlohmann::json SnapshotLocked() const;

  KernelSpec spec_;
  std::unique_ptr<sandbox::Process> process_;
  std::thread reader_;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string id_;
  int64_t owner_id_ = 0;
  std::optional<int64_t> notebook_id_;
  std::chrono::system_clock::time_point opened_at_;
  bool ready_ = false;
  bool ended_ = false;
  // Set by End before it kills the kernel, so that the reader does not report the kill as a crash.
  bool stopping_ = false;
  bool reaped_ = false;
  std::string end_reason_;
  int64_t next_request_ = 1;
  // Requests submitted with ReplyMode::kKeep whose reply has not arrived yet.
  std::set<int64_t> awaited_;
  // Replies of awaited requests, until Wait takes them.
  std::map<int64_t, nlohmann::json> replies_;
  // Staged upload directories by the request that reads them; deleted on its done or failed.
  std::map<int64_t, std::filesystem::path> staged_uploads_;
  int64_t next_upload_ = 1;
  std::chrono::steady_clock::time_point last_active_ = std::chrono::steady_clock::now();
  std::string running_cell_;
  std::chrono::steady_clock::time_point running_since_;
  std::vector<std::string> cell_order_;
  std::map<std::string, CellState> cells_;
  std::map<int64_t, EventListener> listeners_;
  int64_t next_listener_ = 1;
  // Requests wait here for the writer thread, so that a kernel that stops reading its stdin
  // (one long C call holds the GIL) never blocks the caller of Submit, an io thread.
  std::thread writer_;
  std::mutex outbox_mutex_;
  std::condition_variable outbox_changed_;
  std::deque<std::string> outbox_;
  size_t outbox_bytes_ = 0;
  bool writer_stopping_ = false;
};

}  // namespace openlabs::notebooks
