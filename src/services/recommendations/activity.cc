#include "services/recommendations/activity.h"

#include <algorithm>
#include <map>
#include <utility>

namespace openlabs::recommendations {
namespace {

// Bounds on what one load reads, to limit its memory on a large site. Text beyond these lengths
// adds little to the word statistics.
constexpr int kMaxBodyChars = 20'000;
constexpr int kMaxWrittenChars = 4'000;
constexpr int kMaxWrittenTexts = 50'000;
// Rows per bulk-read call: large pages keep the number of calls low, and a page of labs with
// bodies at the character bound stays within tens of megabytes.
constexpr int kPageSize = 2000;

Status LoadLabs(labs::LabsService& service, Activity& activity) {
  v1::ExportLabsRequest request;
  request.set_limit(kPageSize);
  request.set_max_body_chars(kMaxBodyChars);
  do {
    Result<v1::ExportLabsResponse> page = service.ExportLabs(request);
    if (!page) {
      return Fail(page.error());
    }
    for (v1::Lab& lab : *page->mutable_items()) {
      CatalogItem& item = activity.items.emplace_back();
      item.type = "lab";
      item.id = lab.id();
      item.title = std::move(*lab.mutable_title());
      item.summary = std::move(*lab.mutable_description());
      item.text = std::move(*lab.mutable_body());
      item.tags.assign(std::make_move_iterator(lab.mutable_tags()->begin()),
                       std::make_move_iterator(lab.mutable_tags()->end()));
      item.owner_id = lab.author_id();
      item.submissions = lab.submission_count();
      item.views = lab.views();
      item.created_at = lab.created_at();
    }
    request.set_after_id(page->next_after_id());
  } while (request.after_id() != 0);
  return {};
}

Status LoadArticles(articles::ArticlesService& service, Activity& activity) {
  v1::ExportArticlesRequest request;
  request.set_limit(kPageSize);
  do {
    Result<v1::ExportArticlesResponse> page = service.ExportArticles(request);
    if (!page) {
      return Fail(page.error());
    }
    for (v1::Article& article : *page->mutable_items()) {
      CatalogItem& item = activity.items.emplace_back();
      item.type = "article";
      item.id = article.id();
      item.title = std::move(*article.mutable_title());
      item.summary = std::move(*article.mutable_abstract());
      item.tags.assign(std::make_move_iterator(article.mutable_tags()->begin()),
                       std::make_move_iterator(article.mutable_tags()->end()));
      item.owner_id = article.uploader_id();
      item.views = article.views();
      item.created_at = article.created_at();
    }
    request.set_after_id(page->next_after_id());
  } while (request.after_id() != 0);
  return {};
}

Status LoadSubmissions(submissions::SubmissionsService& service, Activity& activity) {
  v1::ExportSubmissionsRequest request;
  request.set_limit(kPageSize);
  request.set_max_text_chars(kMaxWrittenChars);
  do {
    Result<v1::ExportSubmissionsResponse> page = service.ExportSubmissions(request);
    if (!page) {
      return Fail(page.error());
    }
    for (v1::SubmissionActivity& submission : *page->mutable_items()) {
      const InteractionKind kind = submission.status() == "accepted" ? InteractionKind::kSolved
                                                                     : InteractionKind::kSubmitted;
      activity.interactions.push_back({submission.learner_id(), "lab", submission.lab_id(), kind});
      for (const int64_t reviewer : submission.reviewer_ids()) {
        activity.interactions.push_back(
            {reviewer, "lab", submission.lab_id(), InteractionKind::kReviewed});
      }
      if (!submission.text().empty()) {
        activity.texts.push_back({submission.learner_id(), std::move(*submission.mutable_text())});
      }
    }
    request.set_after_id(page->next_after_id());
  } while (request.after_id() != 0);
  return {};
}

// Reads the newest comments, at most kMaxWrittenTexts of them.
Status LoadComments(feedback::CommentsService& service, Activity& activity) {
  v1::ExportCommentsRequest request;
  request.set_max_content_chars(kMaxWrittenChars);
  int remaining = kMaxWrittenTexts;
  do {
    request.set_limit(std::min(kPageSize, remaining));
    Result<v1::ExportCommentsResponse> page = service.ExportComments(request);
    if (!page) {
      return Fail(page.error());
    }
    for (v1::Comment& comment : *page->mutable_items()) {
      activity.interactions.push_back({comment.author_id(), comment.target_type(),
                                       comment.target_id(), InteractionKind::kCommented});
      activity.texts.push_back({comment.author_id(), std::move(*comment.mutable_content())});
    }
    remaining -= page->items_size();
    request.set_before_id(page->next_before_id());
  } while (request.before_id() != 0 && remaining > 0);
  return {};
}

class ServiceActivitySource final : public ActivitySource {
 public:
  ServiceActivitySource(labs::LabsService& labs, articles::ArticlesService& articles,
                        submissions::SubmissionsService& submissions,
                        feedback::CommentsService& comments)
      : labs_(labs), articles_(articles), submissions_(submissions), comments_(comments) {}

  Result<std::string> Version() override {
    Result<v1::LabsVersion> labs = labs_.GetLabsVersion({});
    if (!labs) {
      return Fail(labs.error());
    }
    Result<v1::ArticlesVersion> articles = articles_.GetArticlesVersion({});
    if (!articles) {
      return Fail(articles.error());
    }
    Result<v1::SubmissionsVersion> submissions = submissions_.GetSubmissionsVersion({});
    if (!submissions) {
      return Fail(submissions.error());
    }
    Result<v1::CommentsVersion> comments = comments_.GetCommentsVersion({});
    if (!comments) {
      return Fail(comments.error());
    }
    return labs->version() + "/" + articles->version() + "/" + submissions->version() + "/" +
           comments->version();
  }

  Result<Activity> Load() override {
    Activity activity;
    if (Status loaded = LoadLabs(labs_, activity); !loaded) {
      return Fail(loaded.error());
    }
    if (Status loaded = LoadArticles(articles_, activity); !loaded) {
      return Fail(loaded.error());
    }
    for (const CatalogItem& item : activity.items) {
      activity.interactions.push_back(
          {item.owner_id, item.type, item.id, InteractionKind::kAuthored});
    }
    if (Status loaded = LoadSubmissions(submissions_, activity); !loaded) {
      return Fail(loaded.error());
    }
    if (Status loaded = LoadComments(comments_, activity); !loaded) {
      return Fail(loaded.error());
    }
    return activity;
  }

 private:
  labs::LabsService& labs_;
  articles::ArticlesService& articles_;
  submissions::SubmissionsService& submissions_;
  feedback::CommentsService& comments_;
};

}  // namespace

std::unique_ptr<ActivitySource> MakeServiceActivitySource(
    labs::LabsService& labs, articles::ArticlesService& articles,
    submissions::SubmissionsService& submissions, feedback::CommentsService& comments) {
  return std::make_unique<ServiceActivitySource>(labs, articles, submissions, comments);
}

}  // namespace openlabs::recommendations
