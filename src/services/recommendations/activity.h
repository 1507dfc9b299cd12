#pragma once

// What the recommender learns from: the catalog of labs and articles, who did what with them,
// and the text people wrote.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "services/articles/articles_service.h"
#include "services/feedback/comments_service.h"
#include "services/labs/labs_service.h"
#include "services/submissions/submissions_service.h"

namespace openlabs::recommendations {

// A lab or an article that can be recommended.
struct CatalogItem {
  std::string type;  // "lab" or "article"
  int64_t id = 0;
  std::string title;
  std::string summary;  // lab description or article abstract
  std::string text;     // further text for similarity: the lab's Markdown body
  std::vector<std::string> tags;
  int64_t owner_id = 0;  // the lab's author or the article's uploader
  int64_t submissions = 0;
  int64_t views = 0;
  int64_t created_at = 0;  // Unix milliseconds
};

// How strongly a user engaged with an item.
enum class InteractionKind {
  kAuthored,   // wrote the lab or uploaded the article
  kSolved,     // has an accepted submission to the lab
  kSubmitted,  // has a submission to the lab that is not accepted (yet)
  kReviewed,   // reviewed a submission to the lab
  kCommented,  // wrote a comment on the lab or article
};

struct Interaction {
  int64_t user_id = 0;
  std::string type;  // of the item
  int64_t item_id = 0;
  InteractionKind kind = InteractionKind::kCommented;
};

// Text a user wrote: a comment or a submission's Markdown.
struct WrittenText {
  int64_t user_id = 0;
  std::string text;
};

struct Activity {
  std::vector<CatalogItem> items;
  std::vector<Interaction> interactions;
  std::vector<WrittenText> texts;
};

// Loads the activity that the recommender ranks with. Implementations are thread-safe.
class ActivitySource {
 public:
  virtual ~ActivitySource() = default;

  virtual Result<Activity> Load() = 0;

  // A value that changes when items, submissions, reviews or comments are added, removed or
  // edited. View counts are left out, so a model reused by this value may lag behind them.
  // Much cheaper than Load, so callers check it before reusing what an earlier load built.
  virtual Result<std::string> Version() = 0;
};

// Reads the activity through the bulk-read calls of the services that own it (ExportLabs,
// ExportArticles, ExportSubmissions, ExportComments) and their version calls. It uses nothing but
// their interfaces, so a client of a service in another process can stand in for the service.
// Every reference must outlive the source.
std::unique_ptr<ActivitySource> MakeServiceActivitySource(
    labs::LabsService& labs, articles::ArticlesService& articles,
    submissions::SubmissionsService& submissions, feedback::CommentsService& comments);

}  // namespace openlabs::recommendations
