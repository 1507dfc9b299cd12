#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// A client of the OpenAI-compatible HTTP API (/v1/chat/completions with "stream": true, and
// /v1/embeddings), which llama.cpp's server, vLLM, Ollama and hosted services speak.
namespace openlabs::assistant {

// The address, model and key of an OpenAI-compatible server. `base_url` ends before
// "/chat/completions" or "/embeddings", for example "http://127.0.0.1:8000/v1".
struct ModelEndpoint {
  std::string base_url;
  std::string model;
  std::string api_key;  // sent as "Authorization: Bearer"; may be empty for local servers
  int timeout_seconds = 120;

  bool configured() const { return !base_url.empty() && !model.empty(); }
};

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

// Streams a chat completion. `on_delta` receives each piece of generated text as it arrives and
// returns false to stop the request. kUnavailable when the server cannot be reached or returns
// an error status (the message includes the status and the server's error message),
// kDeadlineExceeded on a timeout.
Status StreamChatCompletion(const ModelEndpoint& endpoint, const std::vector<ChatMessage>& messages,
                            const std::function<bool(std::string_view)>& on_delta);

// Sends a chat completion without streaming and returns the message's content. With
// `json_object` the request carries "response_format": {"type": "json_object"}, which requests
// one JSON object from the server (servers that do not support it ignore it or reject the
// request).
// Fails like StreamChatCompletion, and with kUnavailable when the response has no content.
Result<std::string> CreateChatCompletion(const ModelEndpoint& endpoint,
                                         const std::vector<ChatMessage>& messages,
                                         bool json_object);

// The embedding of each input, in input order. Fails like StreamChatCompletion, and with
// kUnavailable when the response does not hold one vector per input.
Result<std::vector<std::vector<float>>> CreateEmbeddings(const ModelEndpoint& endpoint,
                                                         const std::vector<std::string>& inputs);

}  // namespace openlabs::assistant
