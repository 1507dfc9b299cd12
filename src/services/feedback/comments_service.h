#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/call_context.h"
#include "common/error.h"
#include "openlabs/v1/feedback.pb.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::feedback {

// Replies nest at most this many levels: depth runs from 0 (top level) to kMaxCommentDepth - 1.
inline constexpr int kMaxCommentDepth = 8;
inline constexpr size_t kMaxCommentLength = 10'000;  // characters of Markdown

// Whether a comment target ("lab" or "article" and an id) exists and may be read. The platform
// wires it to the services that own the targets.
class CommentTargets {
 public:
  virtual ~CommentTargets() = default;
  // Succeeds when the target exists and is visible; kNotFound when it is not, or another error
  // when the owning service fails.
  virtual Status CheckTarget(std::string_view target_type, int64_t target_id) = 0;
};

// The comments part of the feedback service: threaded comments on labs and articles. Reading is
// public; writing needs an account; authors edit and delete their own comments, and moderators
// delete any. Implementations are thread-safe.
class CommentsService {
 public:
  virtual ~CommentsService() = default;

  // Adds a comment by the caller, at the top level or as a reply to `parent_id` on the same
  // target. kValidationFailed beyond kMaxCommentDepth levels or for invalid content; kNotFound
  // when the target or parent does not exist or the parent was deleted.
  virtual Result<v1::Comment> CreateComment(const v1::CreateCommentRequest& request,
                                            const CallContext& context) = 0;

  // One page of top-level comments, oldest first, each with its whole reply tree.
  virtual Result<v1::ListCommentsResponse> ListComments(const v1::ListCommentsRequest& request) = 0;

  // Replaces the content of the caller's own comment and marks it edited.
  virtual Result<v1::Comment> UpdateComment(const v1::UpdateCommentRequest& request,
                                            const CallContext& context) = 0;

  // Deletes a comment. One with replies stays as a placeholder (content removed, `deleted` set);
  // one without disappears, together with placeholder ancestors left without replies.
  virtual Result<v1::DeleteCommentResponse> DeleteComment(const v1::DeleteCommentRequest& request,
                                                          const CallContext& context) = 0;

  // One page of the comments that are not deleted, newest first, with contents cut to
  // `max_content_chars`, for a service that learns from what people wrote (the recommender).
  // kValidationFailed for a limit outside 1 to 5000 or a content limit outside 0 to 10,000.
  virtual Result<v1::ExportCommentsResponse> ExportComments(
      const v1::ExportCommentsRequest& request) = 0;

  // A value that changes whenever ExportComments would return other comments. Cheap next to
  // ExportComments, so a reader checks it before reading the comments again.
  virtual Result<v1::CommentsVersion> GetCommentsVersion(
      const v1::GetCommentsVersionRequest& request) = 0;
};

// The SQL implementation. Its table is "comments". `targets` must outlive the service.
std::unique_ptr<CommentsService> MakeCommentsService(storage::Database& database,
                                                     CommentTargets& targets);

}  // namespace openlabs::feedback

namespace openlabs {
// The comments' migrations (generated from migrations/comments/).
std::span<const storage::Migration> CommentsMigrations();
}  // namespace openlabs
