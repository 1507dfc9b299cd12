#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/call_context.h"
#include "common/error.h"
#include "common/rate_limiter.h"
#include "services/assistant/model_client.h"
#include "services/assistant/retriever.h"
#include "storage/database.h"

namespace openlabs::assistant {

// The title and owner of a lab or article; the platform wires it to the labs and articles
// services.
struct ScopeInfo {
  std::string title;
  int64_t author_id = 0;
};

class ScopeDirectory {
 public:
  virtual ~ScopeDirectory() = default;
  // kNotFound when the lab or article does not exist.
  virtual Result<ScopeInfo> Describe(const Scope& scope) = 0;
};

struct ChatOptions {
  ModelEndpoint model;  // unset: answers list the best passages, labelled as such
  int messages_per_window = 20;  // chat messages a user may send per window
  int window_seconds = 60;
  size_t max_message_bytes = 4000;
  int history_messages = 8;  // earlier turns of the conversation sent to the model
  int scope_passages = 5;
  int related_passages = 3;
};

// A chat turn that passed validation: the stored question and the passages to answer from.
struct PreparedChat {
  int64_t conversation_id = 0;
  int64_t user_id = 0;
  Scope scope;
  ScopeInfo scope_info;
  std::string mode;  // "on" or "guide"
  std::string message;
  std::vector<ChatMessage> history;  // earlier turns, oldest first
  std::vector<RetrievedPassage> passages;
};

// Sends one server-sent event; returns false when the client is gone.
using EventSink = std::function<bool(std::string_view event, const nlohmann::json& data)>;

// The assistant chat: conversations per user and scope, retrieval-grounded answers streamed as
// events, and each lab's assistant mode. Thread-safe.
class ChatService {
 public:
  ChatService(storage::Database& database, Retriever& retriever, ScopeDirectory& scopes,
              ChatOptions options);

  // Validates the request body ({scope: {lab_id | article_id}, message, conversation_id?}),
  // checks the caller's rate limit and the lab's mode, stores the question and retrieves
  // passages. kUnauthenticated without an account, kRateLimited (with retry_after_seconds),
  // kFailedPrecondition when the author turned the assistant off, kNotFound for an unknown
  // scope or a conversation of another user.
  Result<PreparedChat> Prepare(const nlohmann::json& request, const CallContext& context);

  // Answers a prepared turn through `emit`: the citations, the answer text in pieces, then
  // "done" (or "error"), and stores the answer. Runs for as long as the model streams.
  void Answer(const PreparedChat& chat, const EventSink& emit);

  // The caller's conversations, newest first, optionally only those of one scope.
  Result<nlohmann::json> ListConversations(const CallContext& context, const Scope& scope,
                                           int page, int limit);
  // One conversation of the caller with its messages. kNotFound for another user's.
  Result<nlohmann::json> GetConversation(int64_t id, const CallContext& context);
  Status DeleteConversation(int64_t id, const CallContext& context);

  // The assistant mode of a lab: "on" (the default), "guide" or "off".
  Result<std::string> LabMode(int64_t lab_id);
  // Sets a lab's mode; only its author, moderators and admins may.
  Status SetLabMode(int64_t lab_id, std::string_view mode, const CallContext& context);

  bool model_configured() const { return options_.model.configured(); }

 private:
  std::vector<ChatMessage> BuildPrompt(const PreparedChat& chat) const;
  Status StoreAnswer(const PreparedChat& chat, const std::string& text,
                     const nlohmann::json& citations, const std::string& generated_by,
                     int64_t& message_id);

  storage::Database& database_;
  Retriever& retriever_;
  ScopeDirectory& scopes_;
  ChatOptions options_;
  RateLimiter limiter_;
};

// The web app's link to a passage: the lab section, the PDF page or the notebook cell.
std::string PassageUrl(const StoredPassage& passage);

// Merges passages with the same PassageUrl into the first of them, in rank order, so that each
// place is one numbered source and one citation. The merged passage has the texts joined by
// blank lines, the highest score, and is in scope when any of them is.
std::vector<RetrievedPassage> MergePassagesByPlace(std::vector<RetrievedPassage> passages);

}  // namespace openlabs::assistant
