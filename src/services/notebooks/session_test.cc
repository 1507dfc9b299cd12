#include "services/notebooks/session.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "services/notebooks/session_manager.h"
#include "services/notebooks/stream_cap.h"
#include "services/notebooks/test_notebook.h"

namespace openlabs::notebooks {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

SessionManagerOptions TestOptions() {
  SessionManagerOptions options;
  options.kernel_dir = OPENLABS_TEST_KERNEL_DIR;
  options.session_root = ::testing::TempDir() + "openlabs-sessions-" + std::to_string(getpid());
  options.limits.cell_cpu_seconds = 2;
  options.limits.cell_wall_seconds = 6;
  options.limits.memory_bytes = 384ull << 20;
  options.limits.max_processes = 24;
  options.limits.max_file_bytes = 4 << 20;
  options.limits.work_bytes = 8 << 20;
  options.limits.tmp_bytes = 8 << 20;
  options.pool_size = 1;
  options.max_sessions = 4;
  options.max_sessions_per_user = 3;
  options.sweep_interval = 100ms;
  // ctest runs each test in its own process, two at a time, so each process takes its own uid
  // block: a shared uid would share the process limit that the fork-bomb test exhausts.
  options.first_uid = 900000 + static_cast<uid_t>(getpid() % 4096) * 16;
  options.uid_count = 16;
  return options;
}

std::unique_ptr<SessionManager> MakeManager(SessionManagerOptions options = TestOptions()) {
  Result<std::unique_ptr<SessionManager>> manager = SessionManager::Create(std::move(options));
  EXPECT_TRUE(manager.has_value()) << manager.error().message;
  return manager ? std::move(*manager) : nullptr;
}

std::shared_ptr<Session> Open(SessionManager& manager, const std::vector<std::string>& cells,
                              int64_t owner = 1, std::filesystem::path assets = {}) {
  Result<std::shared_ptr<Session>> session =
      manager.Create(owner, {Notebook(cells), std::move(assets)});
  EXPECT_TRUE(session.has_value()) << session.error().message << " " << session.error().internal;
  return session.value_or(nullptr);
}

// Runs every cell and returns the snapshot afterwards.
json RunAll(Session& session) {
  Result<json> done = session.Call({{"type", "run_all"}}, 60s);
  EXPECT_TRUE(done.has_value()) << done.error().message;
  return session.Snapshot();
}

// Adds a cell holding `code`, runs it and returns its state from the snapshot.
json RunCode(Session& session, const std::string& code) {
  Result<json> added = session.Call({{"type", "add_cell"}, {"code", code}}, 10s);
  EXPECT_TRUE(added.has_value());
  if (!added) {
    return {};
  }
  const std::string cell = added->value("cell", "");
  Result<json> ran = session.Call({{"type", "run"}, {"cells", {cell}}}, 60s);
  EXPECT_TRUE(ran.has_value()) << ran.error().message;
  const json snapshot = session.Snapshot();
  for (const json& state : snapshot["cells"]) {
    if (state["id"] == cell) {
      return state;
    }
  }
  ADD_FAILURE() << "cell " << cell << " is missing from " << snapshot.dump();
  return {};
}

std::string RunErrorMessage(const json& cell) {
  return cell["run_error"].is_object() ? cell["run_error"].value("message", "") : "";
}

// True when some process on the host runs under `uid`.
bool ProcessOfUidExistsNow(uid_t uid) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream status(entry.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.starts_with("Uid:")) {
        std::istringstream fields(line.substr(4));
        uid_t real = 0;
        fields >> real;
        if (real == uid) {
          return true;
        }
        break;
      }
    }
  }
  return false;
}

// Polls for up to two seconds, because the kernel reaps a dying PID namespace asynchronously.
bool ProcessOfUidExists(uid_t uid) {
  for (int attempt = 0; attempt < 40; ++attempt) {
    if (!ProcessOfUidExistsNow(uid)) {
      return false;
    }
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

TEST(NotebookSession, RunsCellsAndRerunsDependents) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"x = 20", "print(x * 2)"});
  ASSERT_TRUE(session);
  json snapshot = RunAll(*session);
  ASSERT_EQ(snapshot["cells"].size(), 2u);
  EXPECT_EQ(snapshot["cells"][1]["stdout"], "40\n");

  const std::string first = snapshot["cells"][0]["id"];
  ASSERT_TRUE(session->Call({{"type", "update_cell"}, {"cell", first}, {"code", "x = 5"}}, 10s));
  ASSERT_TRUE(session->Call({{"type", "run"}, {"cells", {first}}}, 30s));
  snapshot = session->Snapshot();
  EXPECT_EQ(snapshot["cells"][1]["stdout"], "10\n");
  EXPECT_EQ(snapshot["cells"][1]["status"], "done");
}

TEST(NotebookSession, TruncatesStdoutWithMarker) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"x = 1"});
  ASSERT_TRUE(session);
  const json cell = RunCode(*session, "for _i in range(3000):\n    print('x' * 999)");
  const std::string printed = cell.value("stdout", "");
  EXPECT_EQ(printed.size(), kMaxStreamBytesPerRun + kStreamTruncatedMarker.size());
  EXPECT_TRUE(printed.ends_with(kStreamTruncatedMarker));
  EXPECT_EQ(cell.value("stderr", ""), "");
  EXPECT_EQ(cell.value("status", ""), "done");
}

TEST(NotebookSession, DeletingCellRerunsReaders) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"x = 20", "print(x * 2)"});
  ASSERT_TRUE(session);
  json snapshot = RunAll(*session);
  const std::string first = snapshot["cells"][0]["id"];
  ASSERT_TRUE(session->Call({{"type", "delete_cell"}, {"cell", first}}, 30s));
  snapshot = session->Snapshot();
  ASSERT_EQ(snapshot["cells"].size(), 1u);
  EXPECT_EQ(snapshot["cells"][0]["status"], "error");
  EXPECT_NE(RunErrorMessage(snapshot["cells"][0]).find("x"), std::string::npos) << snapshot.dump();
}

TEST(NotebookSession, RunsTopLevelAwait) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"import asyncio\nawait asyncio.sleep(0.01)\nprint('awaited')"});
  ASSERT_TRUE(session);
  EXPECT_EQ(RunAll(*session)["cells"][0]["stdout"], "awaited\n");
}

TEST(NotebookSession, ReportsNameDefinedTwiceOnBothCells) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"y = 1", "y = 2"});
  ASSERT_TRUE(session);
  json snapshot = RunAll(*session);
  for (const json& cell : snapshot["cells"]) {
    EXPECT_EQ(cell["status"], "error") << cell.dump();
  }
}

TEST(NotebookSession, StreamsEventsToSubscriber) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"print('hello')"});
  ASSERT_TRUE(session);
  std::mutex mutex;
  std::vector<json> events;
  const int64_t handle = session->Subscribe([&](const std::string& text) {
    std::lock_guard lock(mutex);
    events.push_back(json::parse(text));
  });
  RunAll(*session);
  session->Unsubscribe(handle);
  std::lock_guard lock(mutex);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["type"], "snapshot");
  bool saw_running = false, saw_stream = false;
  for (const json& event : events) {
    saw_running |= event["type"] == "status" && event["status"] == "running";
    saw_stream |= event["type"] == "stream" && event["text"] == "hello\n";
  }
  EXPECT_TRUE(saw_running);
  EXPECT_TRUE(saw_stream);
}

TEST(NotebookSession, WidgetChangeRerunsReaders) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"import marimo as mo\nslider = mo.ui.slider(1, 10, value=3)",
                                 "print(slider.value * 100)"});
  ASSERT_TRUE(session);
  json snapshot = RunAll(*session);
  EXPECT_EQ(snapshot["cells"][1]["stdout"], "300\n");
  ASSERT_TRUE(snapshot["cells"][0]["widgets"].is_array());
  const std::string widget = snapshot["cells"][0]["widgets"][0]["id"];
  ASSERT_TRUE(session->Call({{"type", "set_widget"}, {"widget", widget}, {"value", 7}}, 30s));
  EXPECT_EQ(session->Snapshot()["cells"][1]["stdout"], "700\n");
}

TEST(NotebookSession, DiscardedRepliesAreNotKept) {
  auto manager = MakeManager();
  auto session = Open(
      *manager, {"import marimo as mo\nslider = mo.ui.slider(0, 1000)", "print(slider.value)"});
  ASSERT_TRUE(session);
  const json snapshot = RunAll(*session);
  const std::string widget = snapshot["cells"][0]["widgets"][0]["id"];
  const std::string reader = snapshot["cells"][1]["id"];
  int64_t last_request = 0;
  for (int value = 1; value <= 300; ++value) {
    Result<int64_t> submitted =
        session->Submit({{"type", "set_widget"}, {"widget", widget}, {"value", value}});
    ASSERT_TRUE(submitted) << submitted.error().message;
    if (value % 3 == 0) {
      submitted = session->Submit({{"type", "run"}, {"cells", {reader}}});
      ASSERT_TRUE(submitted) << submitted.error().message;
    }
    last_request = *submitted;
  }
  // The kernel handles requests in order, so every reply above has arrived with this one.
  ASSERT_TRUE(session->Call({{"type", "ping"}}, 60s));
  EXPECT_EQ(session->kept_reply_count(), 0u);
  EXPECT_EQ(session->Snapshot()["cells"][1]["stdout"], "300\n");

  Result<json> discarded = session->Wait(last_request, 10s);
  ASSERT_FALSE(discarded);
  EXPECT_EQ(discarded.error().code, ErrorCode::kInternal);
}

TEST(NotebookSession, ReplyAfterWaitTimeoutIsDropped) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"import time\ntime.sleep(0.5)"});
  ASSERT_TRUE(session);
  Result<int64_t> submitted = session->Submit({{"type", "run_all"}}, ReplyMode::kKeep);
  ASSERT_TRUE(submitted);
  EXPECT_EQ(session->kept_reply_count(), 1u);
  Result<json> early = session->Wait(*submitted, 1ms);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(session->kept_reply_count(), 0u);
  ASSERT_TRUE(session->Call({{"type", "ping"}}, 30s));
  EXPECT_EQ(session->kept_reply_count(), 0u);
}

// Counts the staged upload files under the manager's session root.
int StagedUploadFiles(const SessionManager& manager) {
  int count = 0;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(manager.options().session_root, error)) {
    if (entry.is_regular_file() &&
        entry.path().parent_path().parent_path().filename() == "uploads") {
      ++count;
    }
  }
  return count;
}

TEST(NotebookSession, WidgetFilesReachKernelAndAreDeleted) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"import marimo as mo\nupload = mo.ui.file(multiple=True)",
                                 "print([(f.name, f.contents) for f in upload.value])"});
  ASSERT_TRUE(session);
  json snapshot = RunAll(*session);
  const std::string widget = snapshot["cells"][0]["widgets"][0]["id"];
  Result<int64_t> submitted = session->SubmitWidgetFiles(
      widget, {{"a.txt", "hello"}, {"b.bin", std::string("\0x", 2)}}, ReplyMode::kKeep);
  ASSERT_TRUE(submitted) << submitted.error().message << " " << submitted.error().internal;
  Result<json> reply = session->Wait(*submitted, 30s);
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)["type"], "done") << reply->dump();
  EXPECT_EQ(session->Snapshot()["cells"][1]["stdout"],
            "[('a.txt', b'hello'), ('b.bin', b'\\x00x')]\n");
  EXPECT_EQ(StagedUploadFiles(*manager), 0);
}

TEST(NotebookSession, CopiesAssetsIntoWorkDirectory) {
  const std::filesystem::path assets = ::testing::TempDir() + "openlabs-session-assets";
  std::filesystem::create_directories(assets / "data");
  std::ofstream(assets / "data" / "numbers.csv") << "a,b\n1,2\n";
  auto manager = MakeManager();
  auto session =
      Open(*manager, {"print(open('data/numbers.csv').read().splitlines()[1])"}, 1, assets);
  ASSERT_TRUE(session);
  EXPECT_EQ(RunAll(*session)["cells"][0]["stdout"], "1,2\n");
  std::filesystem::remove_all(assets);
}

TEST(NotebookSession, StartsFromPool) {
  auto manager = MakeManager();
  for (int attempt = 0; attempt < 100 && manager->Stats().pooled == 0; ++attempt) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(manager->Stats().pooled, 1);
  auto session = Open(*manager, {"x = 1"});
  ASSERT_TRUE(session);
  EXPECT_EQ(manager->Stats().started_from_pool, 1);
}

TEST(NotebookSession, EnforcesSessionsPerUser) {
  SessionManagerOptions options = TestOptions();
  options.max_sessions_per_user = 1;
  options.pool_size = 0;
  auto manager = MakeManager(options);
  auto first = Open(*manager, {"x = 1"}, 7);
  ASSERT_TRUE(first);
  Result<std::shared_ptr<Session>> second = manager->Create(7, {Notebook({"x = 1"}), {}});
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kRateLimited);
  EXPECT_TRUE(manager->Create(8, {Notebook({"x = 1"}), {}}).has_value());
}

TEST(NotebookSession, FullServerIsUnavailable) {
  SessionManagerOptions options = TestOptions();
  options.max_sessions = 1;
  options.pool_size = 0;
  auto manager = MakeManager(options);
  auto first = Open(*manager, {"x = 1"}, 7);
  ASSERT_TRUE(first);
  Result<std::shared_ptr<Session>> second = manager->Create(8, {Notebook({"x = 1"}), {}});
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(second.error().retry_after_seconds.has_value());
}

TEST(NotebookSession, HidesSessionsOfOtherUsers) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"x = 1"}, 1);
  ASSERT_TRUE(session);
  EXPECT_TRUE(manager->Get(session->id(), 1).has_value());
  Result<std::shared_ptr<Session>> other = manager->Get(session->id(), 2);
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(manager->End(session->id(), 2).has_value());
}

TEST(NotebookSession, ExpiresWhenIdle) {
  SessionManagerOptions options = TestOptions();
  options.idle_timeout = 1s;
  options.pool_size = 0;
  auto manager = MakeManager(options);
  auto session = Open(*manager, {"x = 1"});
  ASSERT_TRUE(session);
  for (int attempt = 0; attempt < 50 && !session->ended(); ++attempt) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(session->ended());
  EXPECT_FALSE(manager->Get(session->id(), 1).has_value());
}

TEST(NotebookSession, ShutdownEndsSessionsCleanly) {
  auto manager = MakeManager();
  auto session = Open(*manager, {"x = 1"});
  ASSERT_TRUE(session);
  std::atomic<bool> ended_event = false;
  session->Subscribe([&](const std::string& text) {
    ended_event = ended_event || json::parse(text)["type"] == "session_ended";
  });
  manager->Shutdown();
  EXPECT_TRUE(session->ended());
  EXPECT_TRUE(ended_event);
  EXPECT_FALSE(manager->Create(1, {Notebook({"x = 1"}), {}}).has_value());
}

// The security cases: each attack fails inside its cell, the session reports an error, and a
// second session keeps working.
class SessionSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    manager_ = MakeManager();
    attacker_ = Open(*manager_, {}, 1);
    bystander_ = Open(*manager_, {"x = 41"}, 2);
    ASSERT_TRUE(attacker_);
    ASSERT_TRUE(bystander_);
  }

  void ExpectBystanderWorks() {
    json cell = RunCode(*bystander_, "print(x + 1)");
    EXPECT_EQ(cell["stdout"], "42\n") << cell.dump();
  }

  std::unique_ptr<SessionManager> manager_;
  std::shared_ptr<Session> attacker_;
  std::shared_ptr<Session> bystander_;
};

TEST_F(SessionSecurity, RefusesNetworkConnection) {
  RunAll(*bystander_);
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t length = sizeof(address);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  json cell = RunCode(*attacker_, "import socket\nsocket.create_connection(('127.0.0.1', " +
                                      std::to_string(ntohs(address.sin_port)) + "), timeout=3)");
  EXPECT_EQ(cell["status"], "error");
  EXPECT_NE(RunErrorMessage(cell).find("Connection refused"), std::string::npos) << cell.dump();
  EXPECT_LT(accept(listener, nullptr, nullptr), 0) << "the session reached the host listener";
  close(listener);
  ExpectBystanderWorks();
}

TEST_F(SessionSecurity, CannotReadOutsideWorkDirectory) {
  RunAll(*bystander_);
  ASSERT_EQ(RunCode(*bystander_, "open('secret.txt', 'w').write('bystander secret')")["status"],
            "done");
  const std::string data_dir = ::testing::TempDir() + "openlabs-session-data";
  std::filesystem::create_directories(data_dir);
  std::ofstream(data_dir + "/openlabs.db") << "server secret";
  const std::string staging = (manager_->options().session_root).string();

  for (const std::string& path :
       {std::string("/etc/shadow"), data_dir + "/openlabs.db", staging,
        "/proc/" + std::to_string(bystander_->kernel_pid()) + "/root/work/secret.txt"}) {
    json cell = RunCode(*attacker_, "print(open(" + json(path).dump() + ").read())");
    EXPECT_EQ(cell["status"], "error") << path;
    EXPECT_EQ(cell["stdout"], "") << path;
  }
  // Searching the whole visible file system finds no other session's file.
  json cell = RunCode(*attacker_,
                      "import os\nfound = []\nfor d, dirs, names in os.walk('/'):\n"
                      "    dirs[:] = [n for n in dirs if d != '/' or n not in ('usr', 'proc')]\n"
                      "    found += [os.path.join(d, n) for n in names if n == 'secret.txt']\n"
                      "print(found)");
  EXPECT_EQ(cell["stdout"], "[]\n") << cell.dump();
  std::filesystem::remove_all(data_dir);
  ExpectBystanderWorks();
}

TEST_F(SessionSecurity, ContainsForkBomb) {
  RunAll(*bystander_);
  json cell = RunCode(*attacker_,
                      "import os\nchildren = []\nwhile True:\n    pid = os.fork()\n"
                      "    if pid == 0:\n        import time\n        time.sleep(60)\n"
                      "        os._exit(0)\n    children.append(pid)");
  EXPECT_EQ(cell["status"], "error");
  EXPECT_NE(RunErrorMessage(cell).find("Resource temporarily unavailable"), std::string::npos)
      << cell.dump();
  // Each session has its own uid, so the exhausted process limit binds the attacker alone.
  ExpectBystanderWorks();
}

TEST_F(SessionSecurity, StopsUnboundedAllocation) {
  RunAll(*bystander_);
  json cell =
      RunCode(*attacker_, "blocks = []\nwhile True:\n    blocks.append(bytearray(1 << 24))");
  EXPECT_EQ(cell["status"], "error");
  EXPECT_NE(cell["run_error"].value("traceback", "").find("MemoryError"), std::string::npos)
      << cell.dump();
  EXPECT_EQ(RunCode(*attacker_, "print('still here')")["stdout"], "still here\n");
  ExpectBystanderWorks();
}

TEST_F(SessionSecurity, StopsInfiniteLoop) {
  RunAll(*bystander_);
  json cell = RunCode(*attacker_, "while True:\n    pass");
  EXPECT_EQ(cell["status"], "error");
  EXPECT_EQ(cell["run_error"].value("kind", ""), "timeout") << cell.dump();
  ExpectBystanderWorks();
}

TEST_F(SessionSecurity, StopsDiskFill) {
  RunAll(*bystander_);
  json cell = RunCode(*attacker_,
                      "i = 0\nwhile True:\n    with open(f'fill{i}', 'wb') as f:\n"
                      "        f.write(b'x' * (1 << 20) * 3)\n    i += 1");
  EXPECT_EQ(cell["status"], "error");
  EXPECT_NE(RunErrorMessage(cell).find("No space left on device"), std::string::npos)
      << cell.dump();
  json big = RunCode(*attacker_, "open('/tmp/big', 'wb').write(b'x' * (5 << 20))");
  EXPECT_EQ(big["status"], "error");
  ExpectBystanderWorks();
}

TEST_F(SessionSecurity, EndsBackgroundProcessWithSession) {
  RunAll(*bystander_);
  json cell = RunCode(*attacker_,
                      "import subprocess\nsubprocess.Popen(['sleep', '300'], "
                      "start_new_session=True, stdout=subprocess.DEVNULL)\nprint('started')");
  EXPECT_EQ(cell["stdout"], "started\n");
  const uid_t uid = attacker_->uid();
  ASSERT_TRUE(manager_->End(attacker_->id(), 1).has_value());
  EXPECT_TRUE(attacker_->ended());
  if (geteuid() == 0) {
    EXPECT_FALSE(ProcessOfUidExists(uid)) << "a process of the ended session is still running";
  }
  ExpectBystanderWorks();
}

TEST_F(SessionSecurity, SessionsRunUnderDistinctUids) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "only a server running as root gives each session its own uid";
  }
  EXPECT_NE(attacker_->uid(), bystander_->uid());
  EXPECT_NE(attacker_->uid(), 0u);
  json cell = RunCode(*attacker_, "import os\nprint(os.getuid() != 0)");
  EXPECT_EQ(cell["stdout"], "True\n");
}

}  // namespace
}  // namespace openlabs::notebooks
