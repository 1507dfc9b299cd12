#include "services/feedback/comments_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "common/clock.h"

namespace openlabs::feedback {
namespace {

using storage::Database;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

constexpr const char* kCommentColumns =
    "id, target_type, target_id, parent_id, root_id, depth, author_id, content, deleted, edited, "
    "created_at, updated_at";

struct CommentRow {
  long long id = 0;
  std::string target_type;
  long long target_id = 0;
  long long parent_id = 0;
  long long root_id = 0;
  int depth = 0;
  long long author_id = 0;
  std::string content;
  int deleted = 0;
  int edited = 0;
  long long created_at = 0;
  long long updated_at = 0;

  v1::Comment ToProto() const {
    v1::Comment comment;
    comment.set_id(id);
    comment.set_target_type(target_type);
    comment.set_target_id(target_id);
    comment.set_parent_id(parent_id);
    comment.set_depth(depth);
    comment.set_deleted(deleted != 0);
    comment.set_edited(edited != 0);
    comment.set_created_at(created_at);
    comment.set_updated_at(updated_at);
    if (deleted == 0) {
      comment.set_author_id(author_id);
      comment.set_content(content);
    }
    return comment;
  }
};

template <typename Statement>
void IntoComment(Statement&& statement, CommentRow& row) {
  statement, soci::into(row.id), soci::into(row.target_type), soci::into(row.target_id),
      soci::into(row.parent_id), soci::into(row.root_id), soci::into(row.depth),
      soci::into(row.author_id), soci::into(row.content), soci::into(row.deleted),
      soci::into(row.edited), soci::into(row.created_at), soci::into(row.updated_at);
}

constexpr int kMaxExportLimit = 5000;

Status CheckExportRequest(const v1::ExportCommentsRequest& request) {
  std::vector<FieldViolation> problems;
  if (request.before_id() < 0) {
    problems.push_back({"before_id", "must be 0 or a comment id"});
  }
  if (request.limit() < 1 || request.limit() > kMaxExportLimit) {
    problems.push_back({"limit", "must be from 1 to 5000"});
  }
  if (request.max_content_chars() < 0 ||
      static_cast<size_t>(request.max_content_chars()) > kMaxCommentLength) {
    problems.push_back({"max_content_chars", "must be from 0 to 10000"});
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return {};
}

std::optional<CommentRow> LoadComment(soci::session& session, long long id) {
  CommentRow row;
  IntoComment(
      (session << std::string("SELECT ") + kCommentColumns + " FROM comments WHERE id = :id",
       soci::use(id)),
      row);
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row;
}

// Runs a SELECT of kCommentColumns and collects every row.
std::vector<CommentRow> SelectComments(soci::details::prepare_temp_type prepared) {
  std::vector<CommentRow> rows;
  CommentRow row;
  IntoComment(prepared, row);
  soci::statement select(prepared);
  select.execute();
  while (select.fetch()) {
    rows.push_back(row);
  }
  return rows;
}

long long CountReplies(soci::session& session, long long id) {
  long long count = 0;
  session << "SELECT COUNT(*) FROM comments WHERE parent_id = :id", soci::use(id),
      soci::into(count);
  return count;
}

// The length of the UTF-8 sequence that starts with `lead`, or 0 when `lead` cannot start one.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if ((lead & 0xe0) == 0xc0) {
    return 2;
  }
  if ((lead & 0xf0) == 0xe0) {
    return 3;
  }
  if ((lead & 0xf8) == 0xf0) {
    return 4;
  }
  return 0;
}

// The number of characters in `text`, or nullopt when it is not valid UTF-8.
std::optional<size_t> CountCharacters(std::string_view text) {
  size_t count = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = SequenceLength(static_cast<unsigned char>(text[i]));
    if (length == 0 || i + length > text.size()) {
      return std::nullopt;
    }
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) {
        return std::nullopt;
      }
    }
    i += length;
    ++count;
  }
  return count;
}

Status CheckContent(std::string_view content) {
  const std::optional<size_t> length = CountCharacters(content);
  if (!length) {
    return Fail(Error::Validation({{"content", "must be valid UTF-8"}}));
  }
  const bool blank = content.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (blank || *length > kMaxCommentLength) {
    return Fail(Error::Validation(
        {{"content", "must be 1 to 10000 characters long, got " + std::to_string(*length)}}));
  }
  return {};
}

Error CommentNotFound() { return Error::NotFound("The comment does not exist."); }

// Appends the replies of `parent` from `children`, depth first, oldest first.
void AttachReplies(v1::Comment& parent,
                   const std::map<long long, std::vector<const CommentRow*>>& children) {
  const auto replies = children.find(parent.id());
  if (replies == children.end()) {
    return;
  }
  for (const CommentRow* row : replies->second) {
    v1::Comment* reply = parent.add_replies();
    *reply = row->ToProto();
    AttachReplies(*reply, children);
  }
}

class SqlCommentsService final : public CommentsService {
 public:
  SqlCommentsService(Database& database, CommentTargets& targets)
      : database_(database), targets_(targets) {}

  Result<v1::Comment> CreateComment(const v1::CreateCommentRequest& request,
                                    const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to comment."));
    }
    if (Status valid = CheckContent(request.content()); !valid) {
      return Fail(valid.error());
    }
    if (Status target = CheckTarget(request.target_type(), request.target_id()); !target) {
      return Fail(target.error());
    }

    return database_.InTransaction<v1::Comment>([&](soci::session& session) -> Result<v1::Comment> {
      CommentRow row;
      row.target_type = request.target_type();
      row.target_id = request.target_id();
      if (Status placed = PlaceReply(session, request.parent_id(), row); !placed) {
        return Fail(placed.error());
      }
      row.author_id = context.user_id;
      row.content = request.content();
      row.created_at = row.updated_at = NowMillis();
      session << "INSERT INTO comments (target_type, target_id, parent_id, root_id, depth, "
                 "author_id, content, created_at, updated_at) VALUES (:target_type, "
                 ":target_id, :parent_id, :root_id, :depth, :author_id, :content, "
                 ":created_at, :updated_at) RETURNING id",
          soci::use(row.target_type), soci::use(row.target_id), soci::use(row.parent_id),
          soci::use(row.root_id), soci::use(row.depth), soci::use(row.author_id),
          soci::use(row.content), soci::use(row.created_at), soci::use(row.updated_at),
          soci::into(row.id);
      return row.ToProto();
    });
  }

  Result<v1::ListCommentsResponse> ListComments(const v1::ListCommentsRequest& request) override {
    if (Status target = CheckTarget(request.target_type(), request.target_id()); !target) {
      return Fail(target.error());
    }
    const int page = std::max(request.page(), 1);
    const int limit =
        request.limit() <= 0 ? kDefaultPageSize : std::min(request.limit(), kMaxPageSize);
    return database_.WithSession<v1::ListCommentsResponse>(
        [&](soci::session& session) -> Result<v1::ListCommentsResponse> {
          v1::ListCommentsResponse response;
          response.set_page(page);
          response.set_limit(limit);
          const std::string& type = request.target_type();
          const long long target_id = request.target_id();
          long long total = 0;
          session << "SELECT COUNT(*) FROM comments WHERE target_type = :type AND "
                     "target_id = :target_id AND parent_id = 0",
              soci::use(type), soci::use(target_id), soci::into(total);
          response.set_total(total);

          const long long limit_value = limit;
          const long long offset = static_cast<long long>(page - 1) * limit;
          const std::vector<CommentRow> roots = SelectComments(
              (session.prepare << std::string("SELECT ") + kCommentColumns +
                                      " FROM comments WHERE target_type = :type AND "
                                      "target_id = :target_id AND parent_id = 0 ORDER BY id "
                                      "LIMIT :limit OFFSET :offset",
               soci::use(type), soci::use(target_id), soci::use(limit_value), soci::use(offset)));
          const std::vector<CommentRow> replies = LoadReplies(session, roots);
          std::map<long long, std::vector<const CommentRow*>> children;
          for (const CommentRow& reply : replies) {
            children[reply.parent_id].push_back(&reply);
          }
          for (const CommentRow& root : roots) {
            v1::Comment* item = response.add_items();
            *item = root.ToProto();
            AttachReplies(*item, children);
          }
          return response;
        });
  }

  Result<v1::Comment> UpdateComment(const v1::UpdateCommentRequest& request,
                                    const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to edit a comment."));
    }
    if (Status valid = CheckContent(request.content()); !valid) {
      return Fail(valid.error());
    }
    return database_.InTransaction<v1::Comment>([&](soci::session& session) -> Result<v1::Comment> {
      std::optional<CommentRow> row = LoadComment(session, request.id());
      if (!row || row->deleted != 0) {
        return Fail(CommentNotFound());
      }
      if (row->author_id != context.user_id) {
        return Fail(Error::PermissionDenied("You can edit only your own comments."));
      }
      row->content = request.content();
      row->edited = 1;
      row->updated_at = NowMillis();
      session << "UPDATE comments SET content = :content, edited = 1, updated_at = :now "
                 "WHERE id = :id",
          soci::use(row->content), soci::use(row->updated_at), soci::use(row->id);
      return row->ToProto();
    });
  }

  Result<v1::DeleteCommentResponse> DeleteComment(const v1::DeleteCommentRequest& request,
                                                  const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to delete a comment."));
    }
    return database_.InTransaction<v1::DeleteCommentResponse>(
        [&](soci::session& session) -> Result<v1::DeleteCommentResponse> {
          std::optional<CommentRow> row = LoadComment(session, request.id());
          if (!row || row->deleted != 0) {
            return Fail(CommentNotFound());
          }
          if (row->author_id != context.user_id && !context.is_moderator()) {
            return Fail(
                Error::PermissionDenied("Only the comment's author or a moderator can delete it."));
          }
          v1::DeleteCommentResponse response;
          response.set_placeholder(CountReplies(session, row->id) > 0);
          if (response.placeholder()) {
            const long long now = NowMillis();
            session << "UPDATE comments SET deleted = 1, content = '', updated_at = :now "
                       "WHERE id = :id",
                soci::use(now), soci::use(row->id);
          } else {
            RemoveWithEmptyAncestors(session, *row);
          }
          spdlog::info("user id={} deleted comment id={}", context.user_id, row->id);
          return response;
        });
  }

  Result<v1::ExportCommentsResponse> ExportComments(
      const v1::ExportCommentsRequest& request) override {
    if (Status valid = CheckExportRequest(request); !valid) {
      return Fail(valid.error());
    }
    return database_.WithSession<v1::ExportCommentsResponse>(
        [&](soci::session& session) -> Result<v1::ExportCommentsResponse> {
          v1::ExportCommentsResponse response;
          // No comment has id 0 or less, so the largest id stands for "from the newest".
          const long long before_id =
              request.before_id() > 0 ? request.before_id() : std::numeric_limits<long long>::max();
          CommentRow row;
          // The limits are validated integers, so they are written into the SQL text.
          soci::statement select =
              (session.prepare << "SELECT id, target_type, target_id, parent_id, depth, "
                                  "author_id, substr(content, 1, " +
                                      std::to_string(request.max_content_chars()) +
                                      "), edited, created_at, updated_at FROM comments WHERE "
                                      "deleted = 0 AND id < :before_id ORDER BY id DESC LIMIT " +
                                      std::to_string(request.limit()),
               soci::use(before_id), soci::into(row.id), soci::into(row.target_type),
               soci::into(row.target_id), soci::into(row.parent_id), soci::into(row.depth),
               soci::into(row.author_id), soci::into(row.content), soci::into(row.edited),
               soci::into(row.created_at), soci::into(row.updated_at));
          select.execute();
          while (select.fetch()) {
            *response.add_items() = row.ToProto();
          }
          if (response.items_size() == request.limit()) {
            response.set_next_before_id(row.id);
          }
          return response;
        });
  }

  Result<v1::CommentsVersion> GetCommentsVersion(
      const v1::GetCommentsVersionRequest& /*request*/) override {
    return database_.WithSession<v1::CommentsVersion>(
        [](soci::session& session) -> Result<v1::CommentsVersion> {
          long long count = 0;
          long long newest = 0;
          session << "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM comments",
              soci::into(count), soci::into(newest);
          v1::CommentsVersion version;
          version.set_version(std::to_string(count) + "," + std::to_string(newest));
          return version;
        });
  }

 private:
  Status CheckTarget(const std::string& type, int64_t id) {
    if (type != "lab" && type != "article") {
      return Fail(Error::Validation({{"target_type", "must be lab or article"}}));
    }
    if (id <= 0) {
      return Fail(Error::Validation({{"target_id", "must be a positive id"}}));
    }
    return targets_.CheckTarget(type, id);
  }

  // Sets parent_id, root_id and depth of a new comment from its parent, if it has one.
  static Status PlaceReply(soci::session& session, long long parent_id, CommentRow& row) {
    if (parent_id == 0) {
      return {};
    }
    std::optional<CommentRow> parent = LoadComment(session, parent_id);
    if (!parent || parent->deleted != 0 || parent->target_type != row.target_type ||
        parent->target_id != row.target_id) {
      return Fail(Error::NotFound("The comment to reply to does not exist on this page."));
    }
    if (parent->depth + 1 >= kMaxCommentDepth) {
      return Fail(Error::Validation(
          {{"parent_id", "replies nest at most 8 levels deep; reply to an earlier comment"}}));
    }
    row.parent_id = parent->id;
    row.root_id = parent->root_id == 0 ? parent->id : parent->root_id;
    row.depth = parent->depth + 1;
    return {};
  }

  static std::vector<CommentRow> LoadReplies(soci::session& session,
                                             const std::vector<CommentRow>& roots) {
    if (roots.empty()) {
      return {};
    }
    // The ids are integers read from the database, so inlining them is safe.
    std::string ids;
    for (const CommentRow& root : roots) {
      ids += (ids.empty() ? "" : ",") + std::to_string(root.id);
    }
    return SelectComments(session.prepare << std::string("SELECT ") + kCommentColumns +
                                                 " FROM comments WHERE root_id IN (" + ids +
                                                 ") ORDER BY id");
  }

  // Deletes a comment without replies, then each placeholder ancestor that it leaves without
  // replies, so that no empty placeholder remains.
  static void RemoveWithEmptyAncestors(soci::session& session, CommentRow row) {
    while (true) {
      session << "DELETE FROM comments WHERE id = :id", soci::use(row.id);
      std::optional<CommentRow> parent =
          row.parent_id == 0 ? std::nullopt : LoadComment(session, row.parent_id);
      if (!parent || parent->deleted == 0 || CountReplies(session, parent->id) > 0) {
        return;
      }
      row = *parent;
    }
  }

  Database& database_;
  CommentTargets& targets_;
};

}  // namespace

std::unique_ptr<CommentsService> MakeCommentsService(storage::Database& database,
                                                     CommentTargets& targets) {
  return std::make_unique<SqlCommentsService>(database, targets);
}

}  // namespace openlabs::feedback
