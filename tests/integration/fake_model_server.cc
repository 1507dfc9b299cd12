#include "fake_model_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace openlabs::integration {
namespace {

using nlohmann::json;

bool ReadRequest(int client, std::string& head, std::string& body) {
  std::string data;
  char buffer[8192];
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  for (;;) {
    const ssize_t got = read(client, buffer, sizeof(buffer));
    if (got <= 0) {
      return false;
    }
    data.append(buffer, static_cast<size_t>(got));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        head = data.substr(0, header_end);
        std::string lower = head;
        for (char& c : lower) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const size_t at = lower.find("content-length:");
        content_length = at == std::string::npos ? 0 : std::stoul(head.substr(at + 15));
      }
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) {
      body = data.substr(header_end + 4, content_length);
      return true;
    }
  }
}

std::string HeaderValue(const std::string& head, std::string_view name) {
  std::string lower = head;
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const size_t at = lower.find(std::string(name) + ":");
  if (at == std::string::npos) {
    return "";
  }
  const size_t start = head.find_first_not_of(' ', at + name.size() + 1);
  return head.substr(start, head.find("\r\n", start) - start);
}

void WriteAll(int client, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = write(client, data.data(), data.size());
    if (sent <= 0) {
      return;
    }
    data.remove_prefix(static_cast<size_t>(sent));
  }
}

// Words hashed into 64 buckets, so texts sharing words have similar vectors.
json Embedding(const std::string& text) {
  std::vector<float> vector(64, 0.0f);
  std::string word;
  for (const char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      vector[std::hash<std::string>{}(word) % vector.size()] += 1.0f;
      word.clear();
    }
  }
  vector[0] += 0.01f;
  return vector;
}

}  // namespace

FakeModelServer::FakeModelServer(std::vector<std::string> stream_pieces)
    : stream_pieces_(std::move(stream_pieces)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    const int yes = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listener_, 16);
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
}

FakeModelServer::~FakeModelServer() {
    stopping_ = true;
    Release();
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
}

std::string FakeModelServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeModelServer::Release() {
  std::lock_guard lock(mutex_);
  released_ = true;
  changed_.notify_all();
}

void FakeModelServer::SetCompletion(std::function<std::string(const json& body)> completion) {
  std::lock_guard lock(mutex_);
  completion_ = std::move(completion);
}

std::vector<RecordedRequest> FakeModelServer::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FakeModelServer::Serve() {
  while (!stopping_) {
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) {
      return;
    }
    std::thread([this, client] { HandleConnection(client); }).detach();
  }
}

void FakeModelServer::HandleConnection(int client) {
  std::string head;
  std::string body;
  if (!ReadRequest(client, head, body)) {
    close(client);
    return;
  }
  RecordedRequest recorded;
  recorded.path = head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) -
                                                      head.find(' ') - 1);
  recorded.authorization = HeaderValue(head, "authorization");
  recorded.body = json::parse(body, nullptr, false);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(recorded);
  }

  if (recorded.path == "/v1/embeddings") {
    json data = json::array();
    const json& input = recorded.body["input"];
    for (size_t i = 0; i < input.size(); ++i) {
      data.push_back({{"object", "embedding"},
                      {"index", i},
                      {"embedding", Embedding(input[i].get<std::string>())}});
    }
    const std::string answer =
        json{{"object", "list"}, {"data", data}, {"model", recorded.body["model"]}}.dump();
    WriteAll(client, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(answer.size()) + "\r\nConnection: close\r\n\r\n" +
                         answer);
    close(client);
    return;
  }

  if (!recorded.body.is_object() || !recorded.body.value("stream", false)) {
    std::function<std::string(const json&)> completion;
    {
      std::lock_guard lock(mutex_);
      completion = completion_;
    }
    const std::string content = completion ? completion(recorded.body) : "";
    const std::string answer =
        json{{"id", "chatcmpl-2"},
             {"object", "chat.completion"},
             {"model", recorded.body.is_object() ? recorded.body.value("model", "") : ""},
             {"choices",
              {{{"index", 0},
                {"message", {{"role", "assistant"}, {"content", content}}},
                {"finish_reason", "stop"}}}}}
            .dump();
    WriteAll(client, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(answer.size()) + "\r\nConnection: close\r\n\r\n" +
                         answer);
    close(client);
    return;
  }

  WriteAll(client,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
  bool first = true;
  for (const std::string& piece : stream_pieces_) {
    const json chunk = {{"id", "chatcmpl-1"},
                        {"object", "chat.completion.chunk"},
                        {"choices", {{{"index", 0}, {"delta", {{"content", piece}}}}}}};
    WriteAll(client, "data: " + chunk.dump() + "\n\n");
    if (first) {
      first = false;
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::seconds(20), [this] { return released_; });
    }
  }
  WriteAll(client, "data: [DONE]\n\n");
  close(client);
}

}  // namespace openlabs::integration
