// Blob store clean-up through the real server: a server killed in the middle of an upload leaves
// a partial file in the store's .tmp folder, which the next start deletes; the orphan blob
// collection at start deletes blobs that no row references once they are older than the grace
// period, and keeps referenced and recent ones.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "api_test.h"
#include "form_data.h"

namespace openlabs::integration {
namespace {

namespace fs = std::filesystem;

class BlobCleanupTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    if (PostgresMissing(GetParam())) {
      GTEST_SKIP() << kNoPostgresMessage;
    }
    auto started =
        ServerProcess::Start({.dialect = GetParam(), .config_toml = "[log]\nlevel = \"info\"\n"});
    ASSERT_TRUE(started) << started.error();
    server_ = std::move(*started);
    client_ = std::make_unique<HttpClient>(server_->base_url());
  }

  void TearDown() override {
    if (server_ && server_->Running()) {
      server_->Stop();
    }
  }

  fs::path BlobRoot() const {
    const std::vector<std::string> flags = server_->StorageFlags();
    const auto data_dir = std::find(flags.begin(), flags.end(), "--data-dir");
    return fs::path(*(data_dir + 1)) / "blobs";
  }

  std::vector<fs::path> TemporaryFiles() const {
    std::vector<fs::path> files;
    std::error_code ignored;
    for (auto it = fs::directory_iterator(BlobRoot() / ".tmp", ignored);
         it != fs::directory_iterator(); ++it) {
      files.push_back(it->path());
    }
    return files;
  }

  void Restart() {
    auto restarted = server_->Restart();
    ASSERT_TRUE(restarted) << restarted.error();
    client_ = std::make_unique<HttpClient>(server_->base_url());
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

// Opens a TCP connection to the server and sends `text`; returns the socket, or -1.
int SendPartialRequest(uint16_t port, const std::string& text) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return -1;
  }
  size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t written = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (written <= 0) {
      ::close(fd);
      return -1;
    }
    sent += static_cast<size_t>(written);
  }
  return fd;
}

void SetAge(const fs::path& file, std::chrono::hours age) {
  const fs::file_time_type when = fs::file_time_type::clock::now() - age;
  fs::last_write_time(file, when);
}

TEST_P(BlobCleanupTest, KilledUploadLeavesNoTemporaryFile) {
  const TestUser author = RegisterUser(*client_, "killedupload");
  const HttpResponse lab = client_->Post(
      "/api/v1/labs", {{"title", "Killed upload"}, {"body", "# Task"}}, author.access_token);
  ASSERT_EQ(lab.status, 201) << lab.body;
  const std::string path = "/api/v1/labs/" + std::to_string(lab.Json().value("id", 0)) + "/assets";

  // A client that announces 8 MiB, sends the part header and 256 KiB of the file, then stalls.
  const std::string part_head =
      "--" + std::string(kFormBoundary) +
      "\r\nContent-Disposition: form-data; name=\"files[]\"; "
      "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  const std::string request =
      "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
      author.access_token +
      "\r\nContent-Type: multipart/form-data; boundary=" + std::string(kFormBoundary) +
      "\r\nContent-Length: " + std::to_string(8 << 20) + "\r\n\r\n" + part_head +
      std::string(256 * 1024, 'x');
  const int socket = SendPartialRequest(server_->port(), request);
  ASSERT_GE(socket, 0);
  std::vector<fs::path> partial;
  for (int attempt = 0; attempt < 100 && partial.empty(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    partial = TemporaryFiles();
  }
  ASSERT_EQ(partial.size(), 1u) << "the upload never reached the store's .tmp folder";

  const ProcessResult killed = server_->Kill();
  ::close(socket);
  EXPECT_FALSE(killed.ExitedWithZero()) << killed.Describe();
  ASSERT_EQ(TemporaryFiles().size(), 1u) << "the kill should leave the partial file";

  Restart();
  EXPECT_TRUE(TemporaryFiles().empty());
  EXPECT_NE(server_->ReadOutput().find("Removed 1 stale temporary files"), std::string::npos)
      << server_->ReadOutput();
}

TEST_P(BlobCleanupTest, CollectionAtStartDeletesOldOrphansOnly) {
  const TestUser author = RegisterUser(*client_, "orphans");
  const HttpResponse lab = client_->Post("/api/v1/labs", {{"title", "Orphans"}, {"body", "# Task"}},
                                         author.access_token);
  ASSERT_EQ(lab.status, 201) << lab.body;
  const std::string assets =
      "/api/v1/labs/" + std::to_string(lab.Json().value("id", 0)) + "/assets";
  const HttpResponse asset =
      PostForm(*client_, assets, {{"files[]", "kept", "kept.txt"}}, author.access_token);
  ASSERT_EQ(asset.status, 201) << asset.body;
  const std::string asset_id = asset.Json()["items"][0].value("id", "");
  const ProcessResult stopped = server_->Stop();
  ASSERT_TRUE(stopped.ExitedWithZero()) << stopped.Describe() << "\n" << stopped.output;

  // The referenced blob is the only one so far; the orphans are files that no row names, as a
  // failed delete leaves them.
  std::vector<fs::path> referenced;
  for (const auto& entry : fs::recursive_directory_iterator(BlobRoot())) {
    if (entry.is_regular_file() && entry.path().parent_path().filename() != ".tmp") {
      referenced.push_back(entry.path());
    }
  }
  ASSERT_EQ(referenced.size(), 1u);
  const fs::path old_orphan = BlobRoot() / "labs" / "assets" / "orphan-from-a-failed-delete";
  const fs::path fresh_orphan = BlobRoot() / "uploads" / "upload-in-progress";
  fs::create_directories(old_orphan.parent_path());
  fs::create_directories(fresh_orphan.parent_path());
  std::ofstream(old_orphan) << "old";
  std::ofstream(fresh_orphan) << "new";
  SetAge(referenced[0], std::chrono::hours(72));
  SetAge(old_orphan, std::chrono::hours(72));
  SetAge(fresh_orphan, std::chrono::hours(1));

  Restart();
  for (int attempt = 0; attempt < 100 && fs::exists(old_orphan); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(fs::exists(old_orphan)) << server_->ReadOutput();
  EXPECT_TRUE(fs::exists(fresh_orphan));
  EXPECT_TRUE(fs::exists(referenced[0]));
  const HttpResponse download = client_->Get(assets + "/" + asset_id);
  EXPECT_EQ(download.status, 200);
  EXPECT_EQ(download.body, "kept");
  EXPECT_NE(server_->ReadOutput().find("Orphan blob collection deleted 1 blobs"), std::string::npos)
      << server_->ReadOutput();
}

INSTANTIATE_TEST_SUITE_P(Dialects, BlobCleanupTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
