// Tests of streamed uploads (Route::upload_store) and streamed downloads
// (Response::body_reader, BlobDownload) through the real HttpServer on a free port, with a
// local blob store in a temporary directory.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/random.h"
#include "common/test_resident_memory.h"
#include "gateway/blob_response.h"
#include "gateway/server.h"
#include "gateway/test_http_client.h"
#include "gateway/url.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {
namespace {

using namespace std::chrono_literals;
using ::openlabs::test_support::ResidentKiB;
using test_support::Client;
using test_support::Get;
using test_support::HttpReply;

constexpr std::string_view kBoundary = "----openlabs-test-boundary-7Qf2x9";
constexpr int64_t kSmallFileLimit = 1 << 20;
constexpr int64_t kLargeFileLimit = 256 << 20;
constexpr uint64_t kLargeBytes = 200 << 20;
constexpr int64_t kMaxRssGrowthKiB = 32 * 1024;

struct Part {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
};

std::string PartHeader(const Part& part) {
  std::string header = "--" + std::string(kBoundary) +
                       "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
  if (part.filename) {
    header += "; filename=\"" + *part.filename + "\"";
  }
  header += "\r\n";
  if (!part.content_type.empty()) {
    header += "Content-Type: " + part.content_type + "\r\n";
  }
  return header + "\r\n";
}

std::string ClosingBoundary() { return "\r\n--" + std::string(kBoundary) + "--\r\n"; }

std::string MultipartBody(const std::vector<Part>& parts) {
  std::string body;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      body += "\r\n";
    }
    body += PartHeader(parts[i]) + parts[i].data;
  }
  return body + ClosingBoundary();
}

std::string MultipartType() { return "multipart/form-data; boundary=" + std::string(kBoundary); }

std::string UploadHead(std::string_view path, uint64_t content_length,
                       std::string_view extra_headers = "") {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + MultipartType() +
         "\r\nContent-Length: " + std::to_string(content_length) + "\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::string UploadRequest(std::string_view path, const std::string& body) {
  return UploadHead(path, body.size()) + body;
}

// Bytes of a deterministic pseudo-random stream (xorshift64 per 8-byte word), so that large
// test files are produced on the fly instead of held in memory.
void FillPattern(uint64_t offset, char* data, size_t size) {
  size_t i = 0;
  while (i < size) {
    const uint64_t position = offset + i;
    uint64_t word = position / 8 + 0x9e3779b97f4a7c15ULL;
    word ^= word << 13;
    word ^= word >> 7;
    word ^= word << 17;
    const size_t skip = position % 8;
    const size_t count = std::min<size_t>(8 - skip, size - i);
    for (size_t k = 0; k < count; ++k) {
      data[i + k] = static_cast<char>(word >> ((skip + k) * 8));
    }
    i += count;
  }
}

std::string Pattern(uint64_t offset, size_t size) {
  std::string data(size, '\0');
  FillPattern(offset, data.data(), size);
  return data;
}

class Sha256Stream {
 public:
  Sha256Stream() : context_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(context_, EVP_sha256(), nullptr);
  }
  ~Sha256Stream() { EVP_MD_CTX_free(context_); }
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data) { EVP_DigestUpdate(context_, data.data(), data.size()); }

  std::string FinishHex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_, digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
      char pair[3];
      std::snprintf(pair, sizeof(pair), "%02x", digest[i]);
      hex += pair;
    }
    return hex;
  }

 private:
  EVP_MD_CTX* context_;
};

double MebibytesPerSecond(uint64_t bytes, std::chrono::steady_clock::duration elapsed) {
  return static_cast<double>(bytes) / (1 << 20) / std::chrono::duration<double>(elapsed).count();
}

// A snapshot of the request an upload handler received.
struct ReceivedUpload {
  std::unordered_multimap<std::string, std::string> form;
  std::vector<UploadedFile> files;
  bool stored_when_handled = false;  // every file existed in the store when the handler ran
};

class TransferServerTest : public ::testing::Test {
 protected:
  TransferServerTest()
      : root_(std::filesystem::temp_directory_path() / ("openlabs-transfer-" + NewUuid())),
        blobs_(storage::MakeLocalBlobStore(root_.string())) {
    AddUploadRoute("/api/v1/uploads", SmallLimits(), 201, Execution::kInline);
    AddUploadRoute("/api/v1/uploads/worker", SmallLimits(), 201, Execution::kWorker);
    AddUploadRoute("/api/v1/uploads/rejected", SmallLimits(), 402, Execution::kInline);
    UploadLimits large;
    large.max_file_bytes = kLargeFileLimit;
    large.max_files = 2;
    large.max_field_bytes = 1024;
    large.max_fields = 2;
    AddUploadRoute("/api/v1/uploads/large", large, 201, Execution::kInline);
    AddUploadRoute("/api/v1/uploads/checked", large, 201, Execution::kInline);
    AddUploadRoute("/api/v1/uploads/checked-small", SmallLimits(), 201, Execution::kInline);
    router_.Add("GET", "/api/v1/blobs/{name}", [this](const Request& request) {
      DownloadOptions options;
      options.filename = std::string(request.QueryParam("filename"));
      options.attachment = request.QueryParam("attachment") == "1";
      return BlobDownload(request, *blobs_, "files/" + std::string(request.PathParam("name")),
                          options);
    }).query_params = {"attachment", "filename"};
  }

  ~TransferServerTest() override {
    StopServer();
    std::filesystem::remove_all(root_);
  }

  static UploadLimits SmallLimits() {
    UploadLimits limits;
    limits.max_file_bytes = kSmallFileLimit;
    limits.max_files = 3;
    limits.max_field_bytes = 1024;
    limits.max_fields = 4;
    return limits;
  }

  void AddUploadRoute(std::string pattern, UploadLimits limits, int status, Execution execution) {
    Route route;
    route.method = "POST";
    route.pattern = std::move(pattern);
    route.upload_store = blobs_.get();
    route.upload_limits = limits;
    route.execution = execution;
    if (route.pattern.find("/checked") != std::string::npos) {
      route.upload_check = [](const Request& request) -> std::optional<Response> {
        if (request.Header("authorization") == "Bearer ok") {
          return std::nullopt;
        }
        return Response::FromError(Error::Unauthenticated("Sign in first."));
      };
    }
    route.handler = [this, status](const Request& request) {
      ReceivedUpload received{request.form, request.files, true};
      nlohmann::json files = nlohmann::json::array();
      for (const UploadedFile& file : request.files) {
        received.stored_when_handled &= blobs_->Stat(file.blob_key).has_value();
        files.push_back({{"key", file.blob_key}, {"size", file.size}});
      }
      std::lock_guard lock(mutex_);
      received_ = std::move(received);
      return Response::Json(status, {{"files", files}});
    };
    router_.Add(std::move(route));
  }

  void StartServer(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(std::move(options), router_, nullptr);
    const Result<uint16_t> port = server_->Listen();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
    run_returned_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  void StopServer() {
    if (!server_) {
      return;
    }
    server_->Stop();
    run_returned_.wait();
    server_.reset();
  }

  HttpReply Fetch(const std::string& request, bool head_request = false) {
    Client client(port_);
    EXPECT_TRUE(client.Send(request));
    std::optional<HttpReply> reply = client.Read(head_request);
    EXPECT_TRUE(reply.has_value()) << request.substr(0, 200);
    return reply.value_or(HttpReply{});
  }

  std::optional<ReceivedUpload> Received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

  // Stored uploads plus unfinished blob writes (temporary files), which must all be gone after a
  // rejected upload.
  size_t StoredUploadFiles() {
    Result<std::vector<std::string>> keys = blobs_->List("uploads/");
    size_t count = keys ? keys->size() : 0;
    std::error_code error;
    for (auto it = std::filesystem::directory_iterator(root_ / ".tmp", error);
         !error && it != std::filesystem::directory_iterator(); ++it) {
      ++count;
    }
    return count;
  }

  // The server deletes a disconnected upload once it notices the closed socket, so this polls.
  bool WaitUntilNoUploadFiles(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (StoredUploadFiles() > 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  // Polls until the server has begun writing an upload's first file.
  bool WaitUntilUploadStarted() {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (StoredUploadFiles() == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        return false;
      }
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  // Writes `size` bytes of the test pattern to blob "files/<name>" in chunks.
  void PutPatternBlob(const std::string& name, uint64_t size) {
    Result<std::unique_ptr<storage::BlobWriter>> writer = blobs_->OpenWriter("files/" + name);
    ASSERT_TRUE(writer.has_value());
    std::vector<char> chunk(1 << 20);
    for (uint64_t offset = 0; offset < size; offset += chunk.size()) {
      const size_t count = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - offset));
      FillPattern(offset, chunk.data(), count);
      ASSERT_TRUE((*writer)->Write(std::string_view(chunk.data(), count)).has_value());
    }
    ASSERT_TRUE((*writer)->Commit().has_value());
  }

  std::filesystem::path root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::future<void> run_returned_;
  std::mutex mutex_;
  std::optional<ReceivedUpload> received_;
};

TEST_F(TransferServerTest, UploadStoresFieldsAndFiles) {
  StartServer();
  // File content with CR, LF and dashes, so a parser that stops at them would fail.
  const std::string first =
      Pattern(0, 100000) + "\r\n--" + std::string(kBoundary.substr(0, kBoundary.size() - 1));
  const std::string second = "\r\n-\r\n";
  const std::string body =
      MultipartBody({{"title", std::nullopt, "", "Lab report"},
                     {"files[]", "../report.bin", "application/octet-stream", first},
                     {"files[]", "notes.txt", "text/plain", second}});

  const HttpReply reply = Fetch(UploadRequest("/api/v1/uploads", body));

  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::optional<ReceivedUpload> received = Received();
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->form.count("title"), 1u);
  EXPECT_EQ(received->form.find("title")->second, "Lab report");
  ASSERT_EQ(received->files.size(), 2u);
  EXPECT_TRUE(received->stored_when_handled);
  const UploadedFile& stored_first = received->files[0];
  EXPECT_EQ(stored_first.field, "files[]");
  EXPECT_EQ(stored_first.filename, "report.bin");
  EXPECT_EQ(stored_first.content_type, "application/octet-stream");
  EXPECT_EQ(stored_first.size, static_cast<int64_t>(first.size()));
  EXPECT_EQ(stored_first.sha256, Sha256Hex(first));
  EXPECT_EQ(stored_first.head, first.substr(0, 512));
  EXPECT_EQ(blobs_->Get(stored_first.blob_key).value_or(""), first);
  const UploadedFile& stored_second = received->files[1];
  EXPECT_EQ(stored_second.filename, "notes.txt");
  EXPECT_EQ(stored_second.size, 5);
  EXPECT_EQ(stored_second.sha256, Sha256Hex(second));
  EXPECT_EQ(blobs_->Get(stored_second.blob_key).value_or(""), second);
}

TEST_F(TransferServerTest, UploadOfEmptyFile) {
  StartServer();
  const std::string body = MultipartBody({{"file", "empty.txt", "text/plain", ""}});

  const HttpReply reply = Fetch(UploadRequest("/api/v1/uploads", body));

  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::optional<ReceivedUpload> received = Received();
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->files.size(), 1u);
  EXPECT_EQ(received->files[0].size, 0);
  EXPECT_EQ(received->files[0].sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const Result<std::string> stored = blobs_->Get(received->files[0].blob_key);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, "");
}

TEST_F(TransferServerTest, UploadAtFileLimitIsAccepted) {
  StartServer();
  const std::string data = Pattern(7, kSmallFileLimit);

  const HttpReply reply =
      Fetch(UploadRequest("/api/v1/uploads", MultipartBody({{"file", "max.bin", "", data}})));

  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::optional<ReceivedUpload> received = Received();
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->files.size(), 1u);
  EXPECT_EQ(received->files[0].size, kSmallFileLimit);
  EXPECT_EQ(received->files[0].sha256, Sha256Hex(data));
}

TEST_F(TransferServerTest, UploadOverFileLimitIs413) {
  StartServer();
  const std::string body = MultipartBody({{"title", std::nullopt, "", "x"},
                                          {"a", "small.bin", "", "abc"},
                                          {"b", "big.bin", "", Pattern(0, kSmallFileLimit + 1)}});
  Client client(port_);

  ASSERT_TRUE(client.Send(UploadRequest("/api/v1/uploads", body)));
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->Json()["error"]["code"], "payload_too_large");
  const std::string message = reply->Json()["error"]["message"];
  EXPECT_NE(message.find("big.bin"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(kSmallFileLimit)), std::string::npos) << message;
  EXPECT_EQ(reply->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(StoredUploadFiles(), 0u);
  EXPECT_FALSE(Received().has_value());
}

TEST_F(TransferServerTest, TooManyFilesIs413) {
  StartServer();
  std::vector<Part> parts;
  for (int i = 0; i < 4; ++i) {
    parts.push_back({"files[]", "f" + std::to_string(i) + ".txt", "", "data"});
  }

  const HttpReply reply = Fetch(UploadRequest("/api/v1/uploads", MultipartBody(parts)));

  EXPECT_EQ(reply.status, 413);
  EXPECT_NE(reply.Json()["error"]["message"].get<std::string>().find("3 files"), std::string::npos);
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

TEST_F(TransferServerTest, AnnouncedOversizedBodyIs413BeforeContinue) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(
      client.Send(UploadHead("/api/v1/uploads", uint64_t{1} << 40, "Expect: 100-continue\r\n")));
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_NE(reply->Json()["error"]["message"].get<std::string>().find("3 files of up to 1048576"),
            std::string::npos)
      << reply->body;
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(TransferServerTest, RejectedUploadCheckAnswersBeforeContinue) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(client.Send(
      UploadHead("/api/v1/uploads/checked", uint64_t{1} << 30, "Expect: 100-continue\r\n")));
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);
  EXPECT_EQ(reply->Json()["error"]["code"], "unauthenticated") << reply->body;
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(TransferServerTest, RejectedUploadCheckStoresNothing) {
  StartServer();
  const std::string head = PartHeader({"files[]", "a.bin", "application/octet-stream", ""});
  const uint64_t announced = uint64_t{400} << 20;
  Client client(port_);
  ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads/checked", announced) + head));

  const uint64_t sent = client.SendGenerated(announced - head.size(), FillPattern);
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);
  // The client stops sending once the response arrives, far before 400 MiB.
  EXPECT_LT(sent, uint64_t{64} << 20);
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

// A client that sends the whole body before it reads the response, as many HTTP libraries do,
// gets the 401: the server reads and discards the body instead of resetting the connection.
TEST_F(TransferServerTest, RejectedUploadIsDrainedForBlindClient) {
  StartServer();
  const std::string head = PartHeader({"files[]", "a.bin", "application/octet-stream", ""});
  const std::string tail = ClosingBoundary();
  const uint64_t data_bytes = uint64_t{200} << 20;
  Client client(port_);
  ASSERT_TRUE(client.Send(
      UploadHead("/api/v1/uploads/checked", head.size() + data_bytes + tail.size()) + head));

  std::string chunk(1 << 20, '\0');
  bool sent_all = true;
  for (uint64_t offset = 0; offset < data_bytes && sent_all; offset += chunk.size()) {
    FillPattern(offset, chunk.data(), chunk.size());
    sent_all = client.Send(chunk);
  }
  sent_all = sent_all && client.Send(tail);
  const std::optional<HttpReply> reply = client.Read();

  EXPECT_TRUE(sent_all);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

// The drain of a rejected upload stops at the route's body limit (about 3 MiB here) plus 16 MiB,
// so a client that announces more cannot keep the server reading.
TEST_F(TransferServerTest, RejectedUploadDrainStopsAtBodyLimit) {
  StartServer();
  const uint64_t announced = uint64_t{1} << 30;
  Client client(port_);
  ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads/checked-small", announced)));

  std::string chunk(1 << 20, 'x');
  uint64_t sent = 0;
  while (sent < announced && client.Send(chunk)) {
    sent += chunk.size();
  }

  // What the socket buffers of both ends hold comes on top of what the server read.
  EXPECT_LT(sent, uint64_t{128} << 20);
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

TEST_F(TransferServerTest, PassedUploadCheckStoresFile) {
  StartServer();
  const std::string body = MultipartBody({{"files[]", "a.txt", "text/plain", "hello"}});
  const HttpReply reply = Fetch(
      UploadHead("/api/v1/uploads/checked", body.size(), "Authorization: Bearer ok\r\n") + body);

  EXPECT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(StoredUploadFiles(), 1u);
}

TEST_F(TransferServerTest, FieldOverLimitAnswersBeforeBodyEnds) {
  StartServer();
  const std::string head = PartHeader({"title", std::nullopt, "", ""});
  const uint64_t announced = uint64_t{400} << 20;
  Client client(port_);
  ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads/large", announced) + head));

  const uint64_t sent = client.SendGenerated(announced - head.size(), FillPattern);
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_NE(reply->Json()["error"]["message"].get<std::string>().find("title"), std::string::npos);
  // The server stops reading after the lingering close (at most 16 MiB), far before 400 MiB.
  EXPECT_LT(sent, uint64_t{64} << 20);
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

TEST_F(TransferServerTest, MalformedPartHeaderIs400) {
  StartServer();
  const std::string body = "--" + std::string(kBoundary) +
                           "\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.txt\""
                           "\r\n\r\nfirst file\r\n--" +
                           std::string(kBoundary) + "\r\nNo colon here\r\n\r\ndata" +
                           ClosingBoundary();

  const HttpReply reply = Fetch(UploadRequest("/api/v1/uploads", body));

  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.Json()["error"]["code"], "invalid_argument");
  EXPECT_EQ(reply.Header("connection"), "close");
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

TEST_F(TransferServerTest, MissingClosingBoundaryIs400) {
  StartServer();
  std::string body = MultipartBody({{"file", "a.txt", "", "content"}});
  body.resize(body.size() - ClosingBoundary().size());

  const HttpReply reply = Fetch(UploadRequest("/api/v1/uploads", body));

  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.Json()["error"]["message"].get<std::string>().find("closing boundary"),
            std::string::npos);
  EXPECT_EQ(StoredUploadFiles(), 0u);
  EXPECT_FALSE(Received().has_value());
}

TEST_F(TransferServerTest, WrongContentTypeIs415) {
  StartServer();

  const HttpReply json = Fetch(test_support::Post("/api/v1/uploads", "application/json", "{}"));
  const HttpReply none = Fetch(test_support::Post("/api/v1/uploads", "", "abc"));
  const HttpReply no_boundary =
      Fetch(test_support::Post("/api/v1/uploads", "multipart/form-data", "abc"));

  EXPECT_EQ(json.status, 415);
  EXPECT_EQ(json.Json()["error"]["code"], "unsupported_media_type");
  EXPECT_EQ(none.status, 415);
  EXPECT_EQ(no_boundary.status, 400);
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

TEST_F(TransferServerTest, WrongContentTypeSkipsContinue) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(
      client.Send("POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                  "Content-Length: 100\r\nExpect: 100-continue\r\n\r\n"));
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 415);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(TransferServerTest, RejectingHandlerDeletesFiles) {
  StartServer();
  const std::string body =
      MultipartBody({{"a", "a.bin", "", "first"}, {"b", "b.bin", "", Pattern(0, 300000)}});

  const HttpReply reply = Fetch(UploadRequest("/api/v1/uploads/rejected", body));

  EXPECT_EQ(reply.status, 402);
  const std::optional<ReceivedUpload> received = Received();
  ASSERT_TRUE(received.has_value());
  EXPECT_EQ(received->files.size(), 2u);
  EXPECT_TRUE(received->stored_when_handled);
  for (const UploadedFile& file : received->files) {
    EXPECT_EQ(blobs_->Stat(file.blob_key).error().code, ErrorCode::kNotFound) << file.blob_key;
  }
  EXPECT_EQ(StoredUploadFiles(), 0u);
}

TEST_F(TransferServerTest, WorkerUploadRouteStoresFile) {
  StartServer();

  const HttpReply reply = Fetch(
      UploadRequest("/api/v1/uploads/worker", MultipartBody({{"file", "w.txt", "", "worker"}})));

  EXPECT_EQ(reply.status, 201);
  const std::optional<ReceivedUpload> received = Received();
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->files.size(), 1u);
  EXPECT_EQ(blobs_->Get(received->files[0].blob_key).value_or(""), "worker");
}

TEST_F(TransferServerTest, ChunkedUploadIsAccepted) {
  StartServer();
  const std::string body = MultipartBody({{"file", "c.txt", "", "chunked content"}});
  std::string request =
      "POST /api/v1/uploads HTTP/1.1\r\nHost: x\r\nContent-Type: " + MultipartType() +
      "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t offset = 0; offset < body.size(); offset += 10) {
    const std::string piece = body.substr(offset, 10);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", piece.size());
    request += std::string(size) + "\r\n" + piece + "\r\n";
  }
  request += "0\r\n\r\n";

  const HttpReply reply = Fetch(request);

  EXPECT_EQ(reply.status, 201) << reply.body;
  const std::optional<ReceivedUpload> received = Received();
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->files.size(), 1u);
  EXPECT_EQ(blobs_->Get(received->files[0].blob_key).value_or(""), "chunked content");
}

TEST_F(TransferServerTest, ExpectContinueUpload) {
  StartServer();
  const std::string body = MultipartBody({{"file", "e.txt", "", "expected"}});
  Client client(port_);

  ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads", body.size(), "Expect: 100-continue\r\n")));
  const std::optional<HttpReply> interim = client.Read();
  ASSERT_TRUE(client.Send(body));
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
}

TEST_F(TransferServerTest, KeepAliveAfterUpload) {
  StartServer();
  Client client(port_);
  const std::string body = MultipartBody({{"file", "k.txt", "", "keep"}});

  ASSERT_TRUE(client.Send(UploadRequest("/api/v1/uploads", body)));
  const std::optional<HttpReply> first = client.Read();
  ASSERT_TRUE(client.Send(UploadRequest("/api/v1/uploads", body)));
  const std::optional<HttpReply> second = client.Read();

  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 201);
  EXPECT_FALSE(first->HasHeader("connection"));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 201);
}

TEST_F(TransferServerTest, DisconnectMidBodyDeletesFiles) {
  StartServer();
  const std::string first = MultipartBody({{"a", "a.bin", "", "complete file"}});
  const std::string opening = first.substr(0, first.size() - ClosingBoundary().size()) + "\r\n" +
                              PartHeader({"b", "b.bin", "", ""});
  {
    Client client(port_);
    ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads", 3 << 20) + opening));
    client.SendGenerated(512 * 1024, FillPattern);
    // Wait until the server has stored the first file and started the second, then hang up.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (StoredUploadFiles() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(StoredUploadFiles(), 2u);
  }

  EXPECT_TRUE(WaitUntilNoUploadFiles());
  EXPECT_FALSE(Received().has_value());
}

TEST_F(TransferServerTest, SlowUploadOutlivesRequestTimeout) {
  ServerOptions options;
  options.request_timeout_seconds = 1;
  StartServer(options);
  const std::string body = MultipartBody({{"file", "slow.bin", "", Pattern(0, 5000)}});
  Client client(port_);

  // About 2.5 s in total, longer than the timeout, but never 1 s without data.
  ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads", body.size())));
  for (size_t offset = 0; offset < body.size(); offset += 1000) {
    std::this_thread::sleep_for(400ms);
    ASSERT_TRUE(client.Send(body.substr(offset, 1000)));
  }
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
}

TEST_F(TransferServerTest, StalledUploadTimesOut) {
  ServerOptions options;
  options.request_timeout_seconds = 1;
  StartServer(options);
  const std::string body = MultipartBody({{"file", "stall.bin", "", Pattern(0, 5000)}});
  Client client(port_);

  ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads", body.size()) + body.substr(0, 3000)));

  EXPECT_TRUE(client.WaitForClose(4000ms));
  EXPECT_TRUE(WaitUntilNoUploadFiles());
}

TEST_F(TransferServerTest, StopLetsUploadFinish) {
  StartServer();
  const std::string body = MultipartBody({{"file", "stop.bin", "", Pattern(0, 200000)}});
  Client client(port_);
  ASSERT_TRUE(client.Send(UploadHead("/api/v1/uploads", body.size()) + body.substr(0, 100000)));
  ASSERT_TRUE(WaitUntilUploadStarted());

  server_->Stop();
  ASSERT_TRUE(client.Send(body.substr(100000)));
  const std::optional<HttpReply> reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(run_returned_.wait_for(5s), std::future_status::ready);
}

TEST_F(TransferServerTest, LargeUploadKeepsMemoryBounded) {
  StartServer();
  const std::string head = PartHeader({"file", "large.bin", "application/octet-stream", ""});
  const std::string tail = ClosingBoundary();
  ASSERT_EQ(Fetch(Get("/api/v1/blobs/none")).status, 404);  // warms up the connection path
  Client client(port_);
  const int64_t rss_before = ResidentKiB();
  int64_t rss_max = rss_before;
  Sha256Stream expected_sha256;
  const auto started = std::chrono::steady_clock::now();

  ASSERT_TRUE(client.Send(
      UploadHead("/api/v1/uploads/large", head.size() + kLargeBytes + tail.size()) + head));
  const uint64_t sent =
      client.SendGenerated(kLargeBytes, [&](uint64_t offset, char* data, size_t size) {
        FillPattern(offset, data, size);
        expected_sha256.Update(std::string_view(data, size));
        if (offset % (16 << 20) == 0) {
          rss_max = std::max(rss_max, ResidentKiB());
        }
      });
  ASSERT_EQ(sent, kLargeBytes);
  ASSERT_TRUE(client.Send(tail));
  const std::optional<HttpReply> reply = client.Read(false, 60000ms);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  rss_max = std::max(rss_max, ResidentKiB());

  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->status, 201) << reply->body;
  const std::optional<ReceivedUpload> received = Received();
  ASSERT_TRUE(received.has_value());
  ASSERT_EQ(received->files.size(), 1u);
  EXPECT_EQ(received->files[0].size, static_cast<int64_t>(kLargeBytes));
  EXPECT_EQ(received->files[0].sha256, expected_sha256.FinishHex());
  EXPECT_LT(rss_max - rss_before, kMaxRssGrowthKiB);
  std::printf(
      "[ MEASURE  ] upload of %llu MiB: %.0f MiB/s (generating and hashing included), "
      "RSS growth %lld KiB\n",
      static_cast<unsigned long long>(kLargeBytes >> 20), MebibytesPerSecond(kLargeBytes, elapsed),
      static_cast<long long>(rss_max - rss_before));

  // The stored blob has the same bytes, compared chunk by chunk.
  Result<std::unique_ptr<storage::BlobReader>> reader =
      blobs_->OpenReader(received->files[0].blob_key);
  ASSERT_TRUE(reader.has_value());
  std::vector<char> stored(1 << 20);
  uint64_t offset = 0;
  bool equal = true;
  for (;;) {
    const Result<size_t> count = (*reader)->Read(stored.data(), stored.size());
    ASSERT_TRUE(count.has_value());
    if (*count == 0) {
      break;
    }
    equal = equal && std::string_view(stored.data(), *count) == Pattern(offset, *count);
    offset += *count;
  }
  EXPECT_EQ(offset, kLargeBytes);
  EXPECT_TRUE(equal);
}

class DownloadServerTest : public TransferServerTest {
 protected:
  void SetUp() override {
    content_ = Pattern(0, 300000);
    ASSERT_TRUE(blobs_->Put("files/data", content_).has_value());
    StartServer();
    etag_ = Fetch(Get("/api/v1/blobs/data")).Header("etag");
    ASSERT_FALSE(etag_.empty());
  }

  std::string content_;
  std::string etag_;
};

TEST_F(DownloadServerTest, WholeBlob) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/data"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("content-length"), std::to_string(content_.size()));
  EXPECT_EQ(reply.Header("content-type"), "application/octet-stream");
  EXPECT_EQ(reply.Header("accept-ranges"), "bytes");
  EXPECT_EQ(reply.Header("cache-control"), "private, max-age=0, must-revalidate");
  EXPECT_EQ(reply.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(reply.Header("content-security-policy"), kDownloadContentSecurityPolicy);
  EXPECT_EQ(reply.Header("content-disposition"), "inline");
  EXPECT_TRUE(reply.body == content_);
}

TEST_F(DownloadServerTest, ClosedRangeIs206) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/data", "Range: bytes=1000-1999\r\n"));

  EXPECT_EQ(reply.status, 206);
  EXPECT_EQ(reply.Header("content-range"), "bytes 1000-1999/300000");
  EXPECT_EQ(reply.Header("content-length"), "1000");
  EXPECT_TRUE(reply.body == content_.substr(1000, 1000));
}

TEST_F(DownloadServerTest, OpenRangeIs206) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/data", "Range: bytes=299000-\r\n"));

  EXPECT_EQ(reply.status, 206);
  EXPECT_EQ(reply.Header("content-range"), "bytes 299000-299999/300000");
  EXPECT_TRUE(reply.body == content_.substr(299000));
}

TEST_F(DownloadServerTest, SuffixRangeIs206) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/data", "Range: bytes=-10\r\n"));

  EXPECT_EQ(reply.status, 206);
  EXPECT_EQ(reply.Header("content-range"), "bytes 299990-299999/300000");
  EXPECT_TRUE(reply.body == content_.substr(299990));
}

TEST_F(DownloadServerTest, RangePastEndIs416) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/data", "Range: bytes=300000-\r\n"));

  EXPECT_EQ(reply.status, 416);
  EXPECT_EQ(reply.Header("content-range"), "bytes */300000");
  EXPECT_EQ(reply.Json()["error"]["code"], "invalid_argument");
}

TEST_F(DownloadServerTest, MultipleRangesSendWholeBlob) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/data", "Range: bytes=0-1,5-6\r\n"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.size(), content_.size());
}

TEST_F(DownloadServerTest, MatchingETagIs304) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/data", "If-None-Match: " + etag_ + "\r\n"));

  EXPECT_EQ(reply.status, 304);
  EXPECT_TRUE(reply.body.empty());
  EXPECT_FALSE(reply.HasHeader("content-length"));
  EXPECT_EQ(reply.Header("etag"), etag_);
}

TEST_F(DownloadServerTest, HeadSendsHeadersOnly) {
  Client client(port_);

  ASSERT_TRUE(client.Send("HEAD /api/v1/blobs/data HTTP/1.1\r\nHost: x\r\n\r\n" +
                          Get("/api/v1/blobs/data", "Range: bytes=0-3\r\n")));
  const std::optional<HttpReply> head = client.Read(true);
  const std::optional<HttpReply> range = client.Read();

  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), "300000");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->status, 206);
  EXPECT_TRUE(range->body == content_.substr(0, 4));
}

TEST_F(DownloadServerTest, MissingBlobIs404) {
  const HttpReply reply = Fetch(Get("/api/v1/blobs/missing"));

  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.Json()["error"]["code"], "not_found");
}

TEST_F(DownloadServerTest, HostileFileNameIsEscaped) {
  // The name decodes to: ../"evil"\r\nSet-Cookie: a=b;%41 é.html
  const HttpReply reply =
      Fetch(Get("/api/v1/blobs/data?attachment=1&filename=..%2F%22evil%22%0D%0ASet-Cookie%3A%20"
                "a%3Db%3B%2541%20%C3%A9.html"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("content-disposition"),
            "attachment; filename=\"evilSet-Cookie: a=b;41 _.html\"; "
            "filename*=UTF-8''%22evil%22Set-Cookie%3A%20a%3Db%3B%2541%20%C3%A9.html");
  EXPECT_FALSE(reply.HasHeader("set-cookie"));
}

TEST_F(DownloadServerTest, SlowReaderOutlivesRequestTimeout) {
  StopServer();
  ServerOptions options;
  options.request_timeout_seconds = 1;
  StartServer(options);
  PutPatternBlob("slow", 16 << 20);
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/api/v1/blobs/slow")));
  const std::optional<HttpReply> head = client.ReadHead();
  ASSERT_TRUE(head.has_value());
  uint64_t offset = 0;
  bool equal = true;

  // Reads 2 MiB every 300 ms: about 2.4 s in total, with data moving all the time.
  while (offset < (16 << 20)) {
    std::this_thread::sleep_for(300ms);
    const bool read = client.ReadBody(2 << 20, [&](std::string_view piece) {
      equal = equal && piece == Pattern(offset, piece.size());
      offset += piece.size();
    });
    ASSERT_TRUE(read) << "after " << offset << " bytes";
  }

  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(offset, uint64_t{16} << 20);
  EXPECT_TRUE(equal);
}

TEST_F(DownloadServerTest, StopLetsDownloadFinish) {
  PutPatternBlob("stop", 32 << 20);
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/api/v1/blobs/stop")));
  const std::optional<HttpReply> head = client.ReadHead();
  ASSERT_TRUE(head.has_value());
  uint64_t received = 0;
  ASSERT_TRUE(client.ReadBody(1 << 20, [&](std::string_view piece) { received += piece.size(); }));

  server_->Stop();
  const bool read = client.ReadBody((32 << 20) - received,
                                    [&](std::string_view piece) { received += piece.size(); });

  EXPECT_TRUE(read);
  EXPECT_EQ(received, uint64_t{32} << 20);
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_EQ(run_returned_.wait_for(5s), std::future_status::ready);
}

TEST_F(DownloadServerTest, LargeDownloadKeepsMemoryBounded) {
  PutPatternBlob("large", kLargeBytes);
  Client client(port_);
  const int64_t rss_before = ResidentKiB();
  int64_t rss_max = rss_before;
  uint64_t offset = 0;
  bool equal = true;
  const auto started = std::chrono::steady_clock::now();

  ASSERT_TRUE(client.Send(Get("/api/v1/blobs/large")));
  const std::optional<HttpReply> head = client.ReadHead();
  ASSERT_TRUE(head.has_value());
  std::vector<char> expected;
  const bool read = client.ReadBody(kLargeBytes, [&](std::string_view piece) {
    expected.resize(piece.size());
    FillPattern(offset, expected.data(), piece.size());
    equal = equal && piece == std::string_view(expected.data(), piece.size());
    if (offset / (16 << 20) != (offset + piece.size()) / (16 << 20)) {
      rss_max = std::max(rss_max, ResidentKiB());
    }
    offset += piece.size();
  });
  const auto elapsed = std::chrono::steady_clock::now() - started;
  rss_max = std::max(rss_max, ResidentKiB());

  ASSERT_TRUE(read);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(kLargeBytes));
  EXPECT_EQ(offset, kLargeBytes);
  EXPECT_TRUE(equal);
  EXPECT_LT(rss_max - rss_before, kMaxRssGrowthKiB);
  std::printf(
      "[ MEASURE  ] download of %llu MiB: %.0f MiB/s (checking included), RSS growth "
      "%lld KiB\n",
      static_cast<unsigned long long>(kLargeBytes >> 20), MebibytesPerSecond(kLargeBytes, elapsed),
      static_cast<long long>(rss_max - rss_before));
}

}  // namespace
}  // namespace openlabs::gateway
