#include "services/feedback/comments_service.h"

#include <gtest/gtest.h>

#include <set>

#include "storage/test_database.h"

namespace openlabs::feedback {
namespace {

using storage::Database;
using storage::Dialect;

class FakeTargets final : public CommentTargets {
 public:
  Status CheckTarget(std::string_view type, int64_t id) override {
    if (!existing.contains({std::string(type), id})) {
      return Fail(Error::NotFound("The " + std::string(type) + " does not exist."));
    }
    return {};
  }
  std::set<std::pair<std::string, int64_t>> existing = {{"lab", 1}, {"lab", 2}, {"article", 1}};
};

class CommentsServiceTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "comments", CommentsMigrations()));
    service_ = MakeCommentsService(*database_, targets_);
  }

  static CallContext User(int64_t id, std::string role = "user") {
    CallContext context;
    context.user_id = id;
    context.role = std::move(role);
    return context;
  }

  Result<v1::Comment> Post(int64_t author, const std::string& content, int64_t parent_id = 0,
                           const std::string& type = "lab", int64_t target = 1) {
    v1::CreateCommentRequest request;
    request.set_target_type(type);
    request.set_target_id(target);
    request.set_parent_id(parent_id);
    request.set_content(content);
    return service_->CreateComment(request, User(author));
  }

  v1::ListCommentsResponse List(int64_t target = 1, int page = 1, int limit = 20) {
    v1::ListCommentsRequest request;
    request.set_target_type("lab");
    request.set_target_id(target);
    request.set_page(page);
    request.set_limit(limit);
    Result<v1::ListCommentsResponse> listed = service_->ListComments(request);
    EXPECT_TRUE(listed) << (listed ? "" : listed.error().message + listed.error().internal);
    return listed.value_or(v1::ListCommentsResponse());
  }

  Status Delete(int64_t id, const CallContext& context) {
    v1::DeleteCommentRequest request;
    request.set_id(id);
    Result<v1::DeleteCommentResponse> deleted = service_->DeleteComment(request, context);
    if (!deleted) {
      return Fail(deleted.error());
    }
    return {};
  }

  static constexpr int64_t kAlice = 1;
  static constexpr int64_t kBob = 2;
  static constexpr int64_t kModerator = 3;

  std::unique_ptr<Database> database_;
  FakeTargets targets_;
  std::unique_ptr<CommentsService> service_;
};

TEST_P(CommentsServiceTest, ThreadFiveDeepKeepsShapeWhenMiddleDeleted) {
  std::vector<int64_t> ids;
  int64_t parent = 0;
  for (int level = 0; level < 5; ++level) {
    Result<v1::Comment> comment =
        Post(level % 2 == 0 ? kAlice : kBob, "level " + std::to_string(level), parent);
    ASSERT_TRUE(comment) << comment.error().message;
    EXPECT_EQ(comment->depth(), level);
    EXPECT_EQ(comment->parent_id(), parent);
    ids.push_back(comment->id());
    parent = comment->id();
  }

  v1::DeleteCommentRequest remove;
  remove.set_id(ids[2]);
  Result<v1::DeleteCommentResponse> deleted = service_->DeleteComment(remove, User(kAlice));
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->placeholder());

  const v1::ListCommentsResponse listed = List();
  ASSERT_EQ(listed.total(), 1);
  const v1::Comment* node = &listed.items(0);
  for (int level = 0; level < 5; ++level) {
    EXPECT_EQ(node->id(), ids[level]);
    EXPECT_EQ(node->depth(), level);
    if (level == 2) {
      EXPECT_TRUE(node->deleted());
      EXPECT_TRUE(node->content().empty());
      EXPECT_EQ(node->author_id(), 0);
    } else {
      EXPECT_FALSE(node->deleted());
      EXPECT_EQ(node->content(), "level " + std::to_string(level));
    }
    if (level < 4) {
      ASSERT_EQ(node->replies_size(), 1);
      node = &node->replies(0);
    } else {
      EXPECT_EQ(node->replies_size(), 0);
    }
  }
}

TEST_P(CommentsServiceTest, DeletingLeafRemovesEmptyPlaceholders) {
  const int64_t top = Post(kAlice, "top")->id();
  const int64_t middle = Post(kBob, "middle", top)->id();
  const int64_t leaf = Post(kAlice, "leaf", middle)->id();
  ASSERT_TRUE(Delete(middle, User(kBob)));
  ASSERT_EQ(List().items(0).replies_size(), 1);

  ASSERT_TRUE(Delete(leaf, User(kAlice)));
  const v1::ListCommentsResponse listed = List();
  ASSERT_EQ(listed.items_size(), 1);
  EXPECT_EQ(listed.items(0).replies_size(), 0);
  EXPECT_FALSE(listed.items(0).deleted());
}

TEST_P(CommentsServiceTest, CommentWithoutRepliesDisappears) {
  const int64_t id = Post(kAlice, "alone")->id();
  ASSERT_TRUE(Delete(id, User(kAlice)));
  EXPECT_EQ(List().total(), 0);
  EXPECT_EQ(Delete(id, User(kAlice)).error().code, ErrorCode::kNotFound);
}

TEST_P(CommentsServiceTest, DepthIsCappedAtEight) {
  int64_t parent = 0;
  for (int level = 0; level < kMaxCommentDepth; ++level) {
    Result<v1::Comment> comment = Post(kAlice, "deep", parent);
    ASSERT_TRUE(comment);
    parent = comment->id();
  }
  Result<v1::Comment> too_deep = Post(kAlice, "too deep", parent);
  ASSERT_FALSE(too_deep);
  EXPECT_EQ(too_deep.error().code, ErrorCode::kValidationFailed);
}

TEST_P(CommentsServiceTest, OnlyOwnerEditsAndOwnerOrModeratorDeletes) {
  const int64_t id = Post(kAlice, "first draft")->id();
  v1::UpdateCommentRequest update;
  update.set_id(id);
  update.set_content("second draft");
  EXPECT_EQ(service_->UpdateComment(update, User(kBob)).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->UpdateComment(update, User(kModerator, "moderator")).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->UpdateComment(update, CallContext()).error().code,
            ErrorCode::kUnauthenticated);
  Result<v1::Comment> edited = service_->UpdateComment(update, User(kAlice));
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->content(), "second draft");
  EXPECT_TRUE(edited->edited());

  EXPECT_EQ(Delete(id, User(kBob)).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(Delete(id, CallContext()).error().code, ErrorCode::kUnauthenticated);
  EXPECT_TRUE(Delete(id, User(kModerator, "moderator")));
  EXPECT_EQ(List().total(), 0);
}

TEST_P(CommentsServiceTest, WritingNeedsAccountAndValidContent) {
  v1::CreateCommentRequest request;
  request.set_target_type("lab");
  request.set_target_id(1);
  request.set_content("hello");
  EXPECT_EQ(service_->CreateComment(request, CallContext()).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(Post(kAlice, "").error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(Post(kAlice, "   \n").error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(Post(kAlice, std::string(10'001, 'x')).error().code, ErrorCode::kValidationFailed);
  EXPECT_TRUE(Post(kAlice, std::string(10'000, 'x')));
}

TEST_P(CommentsServiceTest, TargetMustExist) {
  EXPECT_EQ(Post(kAlice, "hi", 0, "lab", 99).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Post(kAlice, "hi", 0, "video", 1).error().code, ErrorCode::kValidationFailed);
  EXPECT_TRUE(Post(kAlice, "on an article", 0, "article", 1));

  v1::ListCommentsRequest request;
  request.set_target_type("lab");
  request.set_target_id(99);
  EXPECT_EQ(service_->ListComments(request).error().code, ErrorCode::kNotFound);
}

TEST_P(CommentsServiceTest, ReplyMustStayOnSameTarget) {
  const int64_t on_lab_one = Post(kAlice, "lab one")->id();
  EXPECT_EQ(Post(kBob, "wrong page", on_lab_one, "lab", 2).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Post(kBob, "no parent", 12345).error().code, ErrorCode::kNotFound);
}

TEST_P(CommentsServiceTest, TopLevelPagesHaveRealTotal) {
  for (int i = 0; i < 7; ++i) {
    const int64_t id = Post(kAlice, "comment " + std::to_string(i))->id();
    ASSERT_TRUE(Post(kBob, "reply", id));
  }
  Post(kAlice, "other lab", 0, "lab", 2);
  const v1::ListCommentsResponse page = List(1, 2, 3);
  EXPECT_EQ(page.total(), 7);
  ASSERT_EQ(page.items_size(), 3);
  EXPECT_EQ(page.items(0).content(), "comment 3");
  EXPECT_EQ(page.items(0).replies_size(), 1);
  EXPECT_EQ(List(1, 3, 3).items_size(), 1);
}

TEST_P(CommentsServiceTest, ExportPagesNewestFirstWithoutDeleted) {
  const Result<v1::Comment> oldest = Post(kAlice, "The oldest comment");
  ASSERT_TRUE(oldest);
  const Result<v1::Comment> deleted = Post(kBob, "Deleted soon");
  ASSERT_TRUE(deleted);
  const Result<v1::Comment> reply = Post(kBob, "A reply on the article", 0, "article", 1);
  ASSERT_TRUE(reply);
  const Result<v1::Comment> newest = Post(kAlice, "The newest comment", oldest->id());
  ASSERT_TRUE(newest);
  ASSERT_TRUE(Delete(deleted->id(), User(kBob)));

  v1::ExportCommentsRequest request;
  request.set_limit(2);
  request.set_max_content_chars(5);
  std::vector<v1::Comment> comments;
  int pages = 0;
  do {
    Result<v1::ExportCommentsResponse> page = service_->ExportComments(request);
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    comments.insert(comments.end(), page->items().begin(), page->items().end());
    request.set_before_id(page->next_before_id());
  } while (request.before_id() != 0 && pages < 10);
  ASSERT_EQ(comments.size(), 3u);
  EXPECT_EQ(comments[0].id(), newest->id());
  EXPECT_EQ(comments[1].id(), reply->id());
  EXPECT_EQ(comments[2].id(), oldest->id());
  EXPECT_EQ(comments[0].content(), "The n");
  EXPECT_EQ(comments[0].author_id(), kAlice);
  EXPECT_EQ(comments[0].parent_id(), oldest->id());
  EXPECT_EQ(comments[1].target_type(), "article");
  EXPECT_EQ(comments[1].target_id(), 1);

  request.set_before_id(0);
  request.set_limit(0);
  Result<v1::ExportCommentsResponse> invalid = service_->ExportComments(request);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
}

TEST_P(CommentsServiceTest, VersionChangesWithNewComments) {
  Result<v1::CommentsVersion> before = service_->GetCommentsVersion({});
  ASSERT_TRUE(before);
  ASSERT_TRUE(Post(kAlice, "A new comment"));
  Result<v1::CommentsVersion> after = service_->GetCommentsVersion({});
  ASSERT_TRUE(after);
  EXPECT_NE(after->version(), before->version());
}

INSTANTIATE_TEST_SUITE_P(Engines, CommentsServiceTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::feedback
