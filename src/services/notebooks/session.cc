#include "services/notebooks/session.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "services/notebooks/notebook_runner.h"
#include "services/notebooks/stream_cap.h"

namespace openlabs::notebooks {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Printed text kept and forwarded per cell run. Beyond it the rest of the run's output is
// dropped, after one notice, so a cell printing in a loop cannot flood the server or the page.
// Requests waiting for a kernel that does not read them beyond this size are rejected.
constexpr size_t kMaxWaitingRequestBytes = 4 << 20;
// Maximum bytes of the kernel's stderr (only crash reports) kept for the log.
constexpr size_t kMaxKernelStderrBytes = 16 << 10;

sandbox::Options SandboxOptions(const KernelSpec& spec) {
  sandbox::Options options;
  // An empty work_dir makes /work a tmpfs of limits.work_bytes.
  options.binds.push_back({spec.kernel_dir, kKernelMountPoint, false});
  options.binds.push_back({spec.staging_dir, kStagingMountPoint, false});
  options.user = spec.user;
  const SessionLimits& limits = spec.limits;
  options.limits.cpu_seconds = limits.session_cpu_seconds;
  options.limits.memory_bytes = limits.memory_bytes;
  options.limits.max_processes = limits.max_processes;
  options.limits.max_open_files = limits.max_open_files;
  options.limits.max_file_bytes = limits.max_file_bytes;
  options.limits.work_bytes = limits.work_bytes;
  options.limits.tmp_bytes = limits.tmp_bytes;
  options.env = {{"MPLBACKEND", "Agg"},
                 {"MPLCONFIGDIR", "/tmp/matplotlib"},
                 {"OPENBLAS_NUM_THREADS", "1"},
                 {"PYTHONDONTWRITEBYTECODE", "1"}};
  return options;
}

// Makes one file or directory readable by the kernel's group, and nothing more.
std::error_code ShareEntryWithKernel(const std::filesystem::path& path, bool is_dir,
                                     const std::optional<sandbox::SandboxUser>& user) {
  std::error_code error;
  std::filesystem::permissions(
      path, is_dir ? std::filesystem::perms(0750) : std::filesystem::perms(0640), error);
  if (!error && user && lchown(path.c_str(), 0, user->gid) != 0) {
    error = std::error_code(errno, std::generic_category());
  }
  return error;
}

// Makes the copied assets readable by the kernel's group, whatever modes they had.
std::error_code ShareWithKernel(const std::filesystem::path& dir,
                                const std::optional<sandbox::SandboxUser>& user) {
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, error)) {
    if (entry.is_symlink(error)) {
      continue;
    }
    error = ShareEntryWithKernel(entry.path(), entry.is_directory(error), user);
    if (error) {
      return error;
    }
  }
  return error;
}

}  // namespace

// What the session remembers of a cell, so that a client that connects later sees the page as
// it is.
struct Session::CellState {
  json cell;  // the kernel's description: id, name, kind, code, options, defs, refs, error
  std::string status = "stale";
  double duration_ms = 0;
  json output;  // {"mime", "data"} or null
  std::string stdout_text;
  std::string stderr_text;
  StreamCap stream_cap;  // what the current run has printed
  json error;            // the last `error` event of the cell, or null
  json widgets;          // the last `widgets` list of the cell, or null
};

Session::Session(KernelSpec spec) : spec_(std::move(spec)) {}

Result<std::unique_ptr<Session>> Session::Start(const KernelSpec& spec,
                                                std::chrono::milliseconds startup_timeout) {
  std::unique_ptr<Session> session(new Session(spec));
  Result<std::unique_ptr<sandbox::Process>> process =
      sandbox::Spawn(KernelCommand(spec.limits.cell_cpu_seconds, spec.limits.cell_wall_seconds),
                     SandboxOptions(spec));
  if (!process) {
    return Fail(process.error());
  }
  session->process_ = std::move(*process);
  session->reader_ = std::thread([raw = session.get()] { raw->ReadEvents(); });
  session->writer_ = std::thread([raw = session.get()] { raw->WriteRequests(); });
  std::unique_lock lock(session->mutex_);
  const bool started = session->changed_.wait_for(
      lock, startup_timeout, [&] { return session->ready_ || session->ended_; });
  if (!session->ready_) {
    const std::string reason =
        started ? session->end_reason_ : "the kernel did not start within the time limit";
    lock.unlock();
    return Fail(Error{ErrorCode::kUnavailable, "The notebook kernel failed to start.", {}, reason});
  }
  return session;
}

Session::~Session() {
  End("the session was closed");
  if (reader_.joinable()) {
    reader_.join();
  }
  if (writer_.joinable()) {
    writer_.join();
  }
}

Status Session::Open(std::string id, int64_t owner_id, const NotebookSource& source,
                     std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(mutex_);
    id_ = std::move(id);
    owner_id_ = owner_id;
    notebook_id_ = source.notebook_id;
    opened_at_ = std::chrono::system_clock::now();
  }
  std::error_code error;
  if (!source.assets_dir.empty()) {
    // Symbolic links are skipped, so an asset can never pull in a file from elsewhere.
    std::filesystem::copy(source.assets_dir, spec_.staging_dir,
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::skip_symlinks |
                              std::filesystem::copy_options::overwrite_existing,
                          error);
  }
  // Notebooks may read their own file through __file__, which the kernel sets to
  // /work/notebook.py.
  if (!error) {
    std::ofstream file(spec_.staging_dir / "notebook.py", std::ios::binary | std::ios::trunc);
    file << source.marimo_source;
    if (!file) {
      error = std::make_error_code(std::errc::io_error);
    }
  }
  if (!error) {
    error = ShareWithKernel(spec_.staging_dir, spec_.user);
  }
  if (error) {
    return Fail(Error::Internal("preparing the files of session " + id_ + " in " +
                                spec_.staging_dir.string() + " failed: " + error.message()));
  }
  // Both requests go out at once; the kernel handles them in order.
  Result<int64_t> copy_request =
      Submit({{"type", "copy_files"}, {"source", kStagingMountPoint}}, ReplyMode::kKeep);
  Result<int64_t> open_request =
      Submit({{"type", "open"}, {"source", source.marimo_source}}, ReplyMode::kKeep);
  if (!copy_request || !open_request) {
    return Fail(!copy_request ? copy_request.error() : open_request.error());
  }
  Result<json> copied = Wait(*copy_request, timeout);
  if (!copied) {
    return Fail(copied.error());
  }
  if ((*copied)["type"] != "done") {
    return Fail(Error{ErrorCode::kFailedPrecondition,
                      "The notebook's assets do not fit in the session's work directory.",
                      {},
                      copied->value("message", "")});
  }
  Result<json> opened = Wait(*open_request, timeout);
  if (!opened) {
    return Fail(opened.error());
  }
  if ((*opened)["type"] != "done") {
    return Fail(Error{ErrorCode::kValidationFailed,
                      "The notebook cannot be opened: " + opened->value("message", ""),
                      {}});
  }
  return {};
}

pid_t Session::kernel_pid() const { return process_ ? process_->pid() : -1; }

Result<int64_t> Session::Submit(json request, ReplyMode reply) {
  return Submit(std::move(request), reply, {});
}

Result<int64_t> Session::Submit(json request, ReplyMode reply,
                                const std::filesystem::path& remove_when_done) {
  int64_t request_id;
  {
    std::lock_guard lock(mutex_);
    if (ended_) {
      return Fail(Error::FailedPrecondition("The notebook session has ended: " + end_reason_ +
                                            ". Start a new session."));
    }
    request_id = next_request_++;
    last_active_ = Clock::now();
    // Recorded before the kernel can see the request, so its reply always finds the entries.
    if (!remove_when_done.empty()) {
      staged_uploads_[request_id] = remove_when_done;
    }
    if (reply == ReplyMode::kKeep) {
      awaited_.insert(request_id);
    }
  }
  request["id"] = request_id;
  std::string line = request.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  bool queued = false;
  {
    std::lock_guard lock(outbox_mutex_);
    if (outbox_bytes_ + line.size() <= kMaxWaitingRequestBytes) {
      outbox_bytes_ += line.size();
      outbox_.push_back(std::move(line));
      queued = true;
    }
  }
  if (!queued) {
    {
      std::lock_guard lock(mutex_);
      staged_uploads_.erase(request_id);
      awaited_.erase(request_id);
    }
    return Fail(Error{ErrorCode::kUnavailable,
                      "The notebook kernel is busy and has too many requests waiting; try "
                      "again when the running cell has finished."});
  }
  outbox_changed_.notify_one();
  return request_id;
}

Result<int64_t> Session::SubmitWidgetFiles(const std::string& widget_id,
                                           const std::vector<WidgetFile>& files, ReplyMode reply) {
  int64_t upload_number;
  {
    std::lock_guard lock(mutex_);
    upload_number = next_upload_++;
  }
  const std::filesystem::path uploads = spec_.staging_dir / "uploads";
  const std::filesystem::path dir = uploads / std::to_string(upload_number);
  const std::string dir_in_sandbox =
      std::string(kStagingMountPoint) + "/uploads/" + std::to_string(upload_number);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (!error) {
    error = ShareEntryWithKernel(uploads, true, spec_.user);
  }
  if (!error) {
    error = ShareEntryWithKernel(dir, true, spec_.user);
  }
  json value = json::array();
  for (size_t index = 0; index < files.size() && !error; ++index) {
    const std::filesystem::path path = dir / std::to_string(index);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(files[index].contents.data(),
              static_cast<std::streamsize>(files[index].contents.size()));
    out.close();
    if (!out) {
      error = std::make_error_code(std::errc::io_error);
      break;
    }
    error = ShareEntryWithKernel(path, false, spec_.user);
    value.push_back(
        {{"name", files[index].name}, {"path", dir_in_sandbox + "/" + std::to_string(index)}});
  }
  if (error) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return Fail(Error::Internal("staging the uploaded files of session " + id() + " in " +
                                dir.string() + " failed: " + error.message()));
  }
  Result<int64_t> submitted = Submit(
      {{"type", "set_widget"}, {"widget", widget_id}, {"value", std::move(value)}}, reply, dir);
  if (!submitted) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return submitted;
}

void Session::WriteRequests() {
  std::unique_lock lock(outbox_mutex_);
  for (;;) {
    outbox_changed_.wait(lock, [&] { return writer_stopping_ || !outbox_.empty(); });
    if (writer_stopping_) {
      return;
    }
    std::string line = std::move(outbox_.front());
    outbox_.pop_front();
    lock.unlock();
    // Killing the kernel makes a blocked write fail with EPIPE.
    const Status written = process_->WriteStdin(line);
    lock.lock();
    outbox_bytes_ -= line.size();
    if (!written) {
      return;  // the kernel has gone; the reader thread reports why
    }
  }
}

Result<json> Session::Wait(int64_t request_id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!awaited_.contains(request_id) && !replies_.contains(request_id)) {
    return Fail(Error::Internal("notebook session " + id_ + " has no reply to wait for: request " +
                                std::to_string(request_id) +
                                " was not submitted with ReplyMode::kKeep, or was waited for "
                                "already"));
  }
  const bool answered =
      changed_.wait_for(lock, timeout, [&] { return replies_.contains(request_id) || ended_; });
  auto found = replies_.find(request_id);
  if (found != replies_.end()) {
    json reply = std::move(found->second);
    replies_.erase(found);
    return reply;
  }
  // The caller has stopped waiting, so the reply is dropped when it arrives.
  awaited_.erase(request_id);
  if (!answered) {
    return Fail(Error{ErrorCode::kDeadlineExceeded, "The notebook kernel did not answer in time."});
  }
  return Fail(Error::FailedPrecondition("The notebook session has ended: " + end_reason_ +
                                        ". Start a new session."));
}

Result<json> Session::Call(json request, std::chrono::milliseconds timeout) {
  Result<int64_t> request_id = Submit(std::move(request), ReplyMode::kKeep);
  if (!request_id) {
    return Fail(request_id.error());
  }
  return Wait(*request_id, timeout);
}

size_t Session::kept_reply_count() const {
  std::lock_guard lock(mutex_);
  return awaited_.size() + replies_.size();
}

int64_t Session::Subscribe(EventListener listener) {
  std::lock_guard lock(mutex_);
  listener(SnapshotLocked().dump(-1, ' ', false, json::error_handler_t::replace));
  const int64_t handle = next_listener_++;
  listeners_.emplace(handle, std::move(listener));
  return handle;
}

void Session::Unsubscribe(int64_t handle) {
  std::lock_guard lock(mutex_);
  listeners_.erase(handle);
}

json Session::Snapshot() const {
  std::lock_guard lock(mutex_);
  return SnapshotLocked();
}

std::vector<std::string> Session::UnknownCells(const std::vector<std::string>& cell_ids) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> unknown;
  for (const std::string& id : cell_ids) {
    if (!cells_.contains(id)) {
      unknown.push_back(id);
    }
  }
  return unknown;
}

json Session::SnapshotLocked() const {
  json cells = json::array();
  for (const std::string& id : cell_order_) {
    const CellState& state = cells_.at(id);
    json cell = state.cell;
    cell["status"] = state.status;
    cell["duration_ms"] = state.duration_ms;
    cell["output"] = state.output;
    cell["stdout"] = state.stdout_text;
    cell["stderr"] = state.stderr_text;
    cell["run_error"] = state.error;
    cell["widgets"] = state.widgets;
    cells.push_back(std::move(cell));
  }
  json snapshot = {
      {"type", "snapshot"}, {"session", id_}, {"cells", std::move(cells)}, {"ended", ended_}};
  if (ended_) {
    snapshot["reason"] = end_reason_;
  }
  return snapshot;
}

void Session::StopWriter() {
  {
    std::lock_guard lock(outbox_mutex_);
    writer_stopping_ = true;
  }
  outbox_changed_.notify_all();
}

void Session::End(const std::string& reason) {
  StopWriter();
  {
    std::lock_guard lock(mutex_);
    if (ended_) {
      return;
    }
    stopping_ = true;
  }
  if (process_) {
    // The kill makes sure that the kernel and every process it started are gone, whatever
    // state they are in.
    process_->Kill();
  }

  FinishKernel(reason);
}

void Session::ExpectExit() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
}

std::optional<int64_t> Session::notebook_id() const {
  std::lock_guard lock(mutex_);
  return notebook_id_;
}

std::chrono::system_clock::time_point Session::opened_at() const {
  std::lock_guard lock(mutex_);
  return opened_at_;
}

namespace {

const json* FindListedWidget(const json& widgets, const std::string& widget_id) {
  if (!widgets.is_array()) {
    return nullptr;
  }
  for (const json& widget : widgets) {
    if (!widget.is_object()) {
      continue;
    }
    const auto id = widget.find("id");
    if (id != widget.end() && id->is_string() && id->get<std::string>() == widget_id) {
      return &widget;
    }
    const auto children = widget.find("children");
    if (children != widget.end()) {
      if (const json* child = FindListedWidget(*children, widget_id)) {
        return child;
      }
    }
  }
  return nullptr;
}

}  // namespace

bool Session::HasWidget(const std::string& widget_id) const {
  return FindWidget(widget_id).has_value();
}

std::optional<json> Session::FindWidget(const std::string& widget_id) const {
  std::lock_guard lock(mutex_);
  for (const auto& [cell_id, state] : cells_) {
    if (const json* widget = FindListedWidget(state.widgets, widget_id)) {
      return *widget;
    }
  }
  return std::nullopt;
}

bool Session::ended() const {
  std::lock_guard lock(mutex_);
  return ended_;
}

bool Session::WaitForExit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return reaped_; });
}

std::string Session::end_reason() const {
  std::lock_guard lock(mutex_);
  return end_reason_;
}

Clock::time_point Session::last_active() const {
  std::lock_guard lock(mutex_);
  return last_active_;
}

std::chrono::milliseconds Session::running_for() const {
  std::lock_guard lock(mutex_);
  if (running_cell_.empty()) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - running_since_);
}

// Marks the session ended, once, and tells the waiters and the listeners why.
void Session::FinishKernel(const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (ended_) {
    return;
  }
  ended_ = true;
  end_reason_ = reason;
  if (!running_cell_.empty()) {
    auto found = cells_.find(running_cell_);
    if (found != cells_.end()) {
      found->second.status = "error";
      found->second.error = {{"type", "error"},
                             {"cell", running_cell_},
                             {"kind", "kernel"},
                             {"message", reason},
                             {"traceback", ""}};
      Broadcast(found->second.error.dump());
      Broadcast(json({{"type", "status"}, {"cell", running_cell_}, {"status", "error"}}).dump());
    }
    running_cell_.clear();
  }
  Broadcast(json({{"type", "session_ended"}, {"session", id_}, {"reason", reason}}).dump());
  changed_.notify_all();
}

void Session::ReadEvents() {
  std::string pending, kernel_stderr;
  char buffer[65536];
  bool open = true;
  while (open) {
    pollfd polled[2] = {{process_->stdout_fd(), POLLIN, 0}, {process_->stderr_fd(), POLLIN, 0}};
    if (poll(polled, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (polled[1].revents != 0) {
      const ssize_t got = read(process_->stderr_fd(), buffer, sizeof(buffer));
      if (got > 0 && kernel_stderr.size() < kMaxKernelStderrBytes) {
        kernel_stderr.append(buffer, static_cast<size_t>(got));
      }
    }
    if (polled[0].revents == 0) {
      continue;
    }
    const ssize_t got = read(process_->stdout_fd(), buffer, sizeof(buffer));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      open = false;
      break;
    }
    pending.append(buffer, static_cast<size_t>(got));
    size_t start = 0, newline;
    while ((newline = pending.find('\n', start)) != std::string::npos) {
      HandleLine(pending.substr(start, newline - start));
      start = newline + 1;
    }
    pending.erase(0, start);
  }
  StopWriter();
  const sandbox::ExitStatus status = process_->Wait();
  std::string reason = DescribeKernelExit(status);
  bool expected;
  std::string name;
  {
    std::lock_guard lock(mutex_);
    expected = ended_ || stopping_;
    // A kernel started ahead of demand has no session id until a session takes it.
    name = id_.empty() ? "Pooled notebook kernel" : "Notebook session " + id_ + " kernel";
  }
  if (expected) {
    spdlog::debug("{} stopped: {}", name, reason);
  } else {
    spdlog::warn("{} stopped: {}; stderr: {}", name, reason, kernel_stderr.substr(0, 2000));
  }
  FinishKernel(reason);
  std::lock_guard lock(mutex_);
  reaped_ = true;
  changed_.notify_all();
}

void Session::HandleLine(const std::string& line) {
  json event = json::parse(line, nullptr, false);
  if (event.is_discarded() || !event.is_object()) {
    spdlog::warn("Notebook session {} kernel wrote a line that is not a JSON object", id_);
    return;
  }
  std::lock_guard lock(mutex_);
  ApplyEvent(event, line);
  changed_.notify_all();
}

// Updates the remembered state from one event and forwards it. Called with mutex_ held.
void Session::ApplyEvent(const json& event, const std::string& line) {
  const std::string type = event.value("type", "");
  if (type == "ready") {
    ready_ = true;
    return;
  }
  if (type == "done" || type == "failed") {
    const json& request = event.contains("request") ? event["request"] : json();
    if (request.is_number_integer()) {
      if (awaited_.erase(request.get<int64_t>()) > 0) {
        replies_[request.get<int64_t>()] = event;
      }
      auto staged = staged_uploads_.find(request.get<int64_t>());
      if (staged != staged_uploads_.end()) {
        std::error_code ignored;
        std::filesystem::remove_all(staged->second, ignored);
        staged_uploads_.erase(staged);
      }
    }
    Broadcast(line);
    return;
  }
  if (type == "notebook") {
    cell_order_.clear();
    cells_.clear();
    for (const json& cell : event.value("cells", json::array())) {
      const std::string id = cell.value("id", "");
      cell_order_.push_back(id);
      cells_[id].cell = cell;
    }
    Broadcast(line);
    return;
  }
  if (type == "cell") {
    const std::string id = event.value("id", "");
    if (!cells_.contains(id)) {
      // The kernel sends `cell` for a new cell after `add_cell`; its place comes from `describe`
      // or the next `notebook` event, so it goes last here.
      cell_order_.push_back(id);
    }
    json cell = event;
    cell.erase("type");
    cells_[id].cell = std::move(cell);
    Broadcast(line);
    return;
  }
  if (type == "deleted") {
    const std::string id = event.value("cell", "");
    std::erase(cell_order_, id);
    cells_.erase(id);
    Broadcast(line);
    return;
  }
  const json& cell_id = event.contains("cell") ? event["cell"] : json();
  auto found = cell_id.is_string() ? cells_.find(cell_id.get<std::string>()) : cells_.end();
  if (found == cells_.end()) {
    Broadcast(line);
    return;
  }
  CellState& state = found->second;
  if (type == "status") {
    state.status = event.value("status", "");
    state.duration_ms = event.value("duration_ms", state.duration_ms);
    if (state.status == "running") {
      running_cell_ = found->first;
      running_since_ = Clock::now();
      state.stdout_text.clear();
      state.stderr_text.clear();
      state.stream_cap.Reset();
      state.error = nullptr;
    } else if (running_cell_ == found->first) {
      running_cell_.clear();
    }
  } else if (type == "output") {
    state.output = event["mime"].is_string()
                       ? json{{"mime", event["mime"]}, {"data", event.value("data", "")}}
                       : json();
  } else if (type == "error") {
    state.error = event;
  } else if (type == "widgets") {
    state.widgets = event.value("widgets", json::array());
  } else if (type == "stream") {
    const std::string text = event.value("text", "");
    const std::string within_limit = state.stream_cap.Take(text);
    if (within_limit.empty()) {
      return;
    }
    (event.value("name", "") == "stderr" ? state.stderr_text : state.stdout_text) += within_limit;
    if (within_limit != text) {
      json cut = event;
      cut["text"] = within_limit;
      Broadcast(cut.dump());
      return;
    }
  }
  Broadcast(line);
}

void Session::Broadcast(const std::string& text) {
  for (const auto& [handle, listener] : listeners_) {
    listener(text);
  }
}

}  // namespace openlabs::notebooks
