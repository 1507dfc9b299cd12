#include "services/recommendations/activity.h"

#include <soci/soci.h>

#include <map>
#include <utility>

namespace openlabs::recommendations {
namespace {

// Bounds on what one load reads, to limit its memory on a large site. Text beyond these lengths
// adds little to the word statistics.
constexpr int kMaxBodyChars = 20'000;
constexpr int kMaxWrittenChars = 4'000;
constexpr int kMaxWrittenTexts = 50'000;

void LoadLabs(soci::session& session, Activity& activity) {
  long long id = 0;
  long long author_id = 0;
  long long views = 0;
  long long submissions = 0;
  long long created_at = 0;
  std::string title;
  std::string description;
  std::string body;
  soci::statement labs =
      (session.prepare << "SELECT id, title, description, substr(body, 1, " +
                              std::to_string(kMaxBodyChars) +
                              "), author_id, views, submission_count, created_at FROM labs "
                              "WHERE status = 'published' ORDER BY id",
       soci::into(id), soci::into(title), soci::into(description), soci::into(body),
       soci::into(author_id), soci::into(views), soci::into(submissions), soci::into(created_at));
  labs.execute();
  std::map<long long, size_t> index;
  while (labs.fetch()) {
    index[id] = activity.items.size();
    activity.items.push_back({.type = "lab",
                              .id = id,
                              .title = title,
                              .summary = description,
                              .text = body,
                              .owner_id = author_id,
                              .submissions = submissions,
                              .views = views,
                              .created_at = created_at});
  }

  std::string tag;
  soci::statement tags = (session.prepare << "SELECT lab_id, tag FROM lab_tags ORDER BY lab_id, "
                                             "position",
                          soci::into(id), soci::into(tag));
  tags.execute();
  while (tags.fetch()) {
    if (auto found = index.find(id); found != index.end()) {
      activity.items[found->second].tags.push_back(tag);
    }
  }
}

void LoadArticles(soci::session& session, Activity& activity) {
  long long id = 0;
  long long uploader_id = 0;
  long long views = 0;
  long long created_at = 0;
  std::string title;
  std::string abstract;
  soci::statement articles =
      (session.prepare << "SELECT id, title, abstract, uploader_id, views, created_at FROM "
                          "articles ORDER BY id",
       soci::into(id), soci::into(title), soci::into(abstract), soci::into(uploader_id),
       soci::into(views), soci::into(created_at));
  articles.execute();
  std::map<long long, size_t> index;
  while (articles.fetch()) {
    index[id] = activity.items.size();
    activity.items.push_back({.type = "article",
                              .id = id,
                              .title = title,
                              .summary = abstract,
                              .owner_id = uploader_id,
                              .views = views,
                              .created_at = created_at});
  }

  std::string tag;
  soci::statement tags =
      (session.prepare << "SELECT article_id, tag FROM article_tags ORDER BY article_id, position",
       soci::into(id), soci::into(tag));
  tags.execute();
  while (tags.fetch()) {
    if (auto found = index.find(id); found != index.end()) {
      activity.items[found->second].tags.push_back(tag);
    }
  }
}

void LoadSubmissions(soci::session& session, Activity& activity) {
  long long learner_id = 0;
  long long lab_id = 0;
  std::string status;
  std::string text;
  soci::statement submissions =
      (session.prepare << "SELECT learner_id, lab_id, status, substr(text, 1, " +
                              std::to_string(kMaxWrittenChars) +
                              ") FROM submissions WHERE status <> 'withdrawn' ORDER BY id",
       soci::into(learner_id), soci::into(lab_id), soci::into(status), soci::into(text));
  submissions.execute();
  while (submissions.fetch()) {
    const InteractionKind kind =
        status == "accepted" ? InteractionKind::kSolved : InteractionKind::kSubmitted;
    activity.interactions.push_back({learner_id, "lab", lab_id, kind});
    if (!text.empty()) {
      activity.texts.push_back({learner_id, text});
    }
  }

  long long reviewer_id = 0;
  soci::statement reviews =
      (session.prepare << "SELECT v.reviewer_id, s.lab_id FROM submission_verdicts v JOIN "
                          "submissions s ON s.id = v.submission_id ORDER BY v.id",
       soci::into(reviewer_id), soci::into(lab_id));
  reviews.execute();
  while (reviews.fetch()) {
    activity.interactions.push_back({reviewer_id, "lab", lab_id, InteractionKind::kReviewed});
  }
}

void LoadComments(soci::session& session, Activity& activity) {
  long long author_id = 0;
  long long target_id = 0;
  std::string target_type;
  std::string content;
  // The newest comments when there are more than the cap.
  soci::statement comments =
      (session.prepare << "SELECT author_id, target_type, target_id, substr(content, 1, " +
                              std::to_string(kMaxWrittenChars) +
                              ") FROM comments WHERE deleted = 0 ORDER BY id DESC LIMIT " +
                              std::to_string(kMaxWrittenTexts),
       soci::into(author_id), soci::into(target_type), soci::into(target_id), soci::into(content));
  comments.execute();
  while (comments.fetch()) {
    activity.interactions.push_back(
        {author_id, target_type, target_id, InteractionKind::kCommented});
    activity.texts.push_back({author_id, content});
  }
}

class SqlActivitySource final : public ActivitySource {
 public:
  explicit SqlActivitySource(storage::Database& database) : database_(database) {}

  Result<std::string> Version() override {
    return database_.WithSession<std::string>([](soci::session& session) -> Result<std::string> {
      // Row counts catch inserts and deletes, the newest update times catch edits.
      long long values[9] = {};
      session << "SELECT (SELECT COUNT(*) FROM labs), (SELECT COALESCE(MAX(updated_at), 0) FROM "
                 "labs), (SELECT COUNT(*) FROM articles), (SELECT COALESCE(MAX(updated_at), 0) "
                 "FROM articles), (SELECT COUNT(*) FROM submissions), (SELECT "
                 "COALESCE(MAX(updated_at), 0) FROM submissions), (SELECT COUNT(*) FROM "
                 "submission_verdicts), (SELECT COUNT(*) FROM comments), (SELECT "
                 "COALESCE(MAX(updated_at), 0) FROM comments)",
          soci::into(values[0]), soci::into(values[1]), soci::into(values[2]),
          soci::into(values[3]), soci::into(values[4]), soci::into(values[5]),
          soci::into(values[6]), soci::into(values[7]), soci::into(values[8]);
      std::string version;
      for (const long long value : values) {
        version += std::to_string(value) + ",";
      }
      return version;
    });
  }

  Result<Activity> Load() override {
    return database_.WithSession<Activity>([](soci::session& session) -> Result<Activity> {
      Activity activity;
      LoadLabs(session, activity);
      LoadArticles(session, activity);
      for (const CatalogItem& item : activity.items) {
        const InteractionKind kind = InteractionKind::kAuthored;
        activity.interactions.push_back({item.owner_id, item.type, item.id, kind});
      }
      LoadSubmissions(session, activity);
      LoadComments(session, activity);
      return activity;
    });
  }

 private:
  storage::Database& database_;
};

}  // namespace

std::unique_ptr<ActivitySource> MakeSqlActivitySource(storage::Database& database) {
  return std::make_unique<SqlActivitySource>(database);
}

}  // namespace openlabs::recommendations
