// A local stand-in for a language model server that speaks the OpenAI HTTP API, so that tests
// can check the requests the platform sends and control the responses.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace openlabs::integration {

// A request the fake model server received.
struct RecordedRequest {
  std::string path;
  std::string authorization;
  nlohmann::json body;
};

// A minimal HTTP/1.1 server on 127.0.0.1 that responds to POST /v1/embeddings with bag-of-words
// vectors and POST /v1/chat/completions in two ways. A streaming request ("stream": true) gets
// `stream_pieces` as chat.completion.chunk events, and after the first piece the server waits
// until the test calls Release, so the test can see that the piece reached the client before the
// model finished. Any other chat request gets one chat.completion whose message content is what
// the handler set with SetCompletion returns for the request body.
class FakeModelServer {
 public:
  explicit FakeModelServer(std::vector<std::string> stream_pieces = {});
  ~FakeModelServer();
  FakeModelServer(const FakeModelServer&) = delete;
  FakeModelServer& operator=(const FakeModelServer&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT/v1", the base URL for the [assistant] settings.
  std::string base_url() const;

  void Release();
  void SetCompletion(std::function<std::string(const nlohmann::json& body)> completion);
  std::vector<RecordedRequest> requests();

 private:
  void Serve();
  void HandleConnection(int client);

  std::vector<std::string> stream_pieces_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  std::function<std::string(const nlohmann::json&)> completion_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace openlabs::integration
