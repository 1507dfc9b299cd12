#include "services/recommendations/recommendations_service.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace openlabs::recommendations {
namespace {

constexpr int32_t kMaxLimit = 50;
constexpr size_t kMaxSummaryChars = 300;

Status CheckLimitAndType(int32_t limit, const std::string& type, const char* type_field) {
  std::vector<FieldViolation> problems;
  if (limit < 1 || limit > kMaxLimit) {
    problems.push_back({"limit", "must be from 1 to 50"});
  }
  if (!type.empty() && type != "lab" && type != "article") {
    problems.push_back({type_field, "must be \"lab\", \"article\" or empty"});
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return {};
}

// Cuts UTF-8 text to at most `max_bytes` without splitting a character.
std::string Shorten(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text;
  }
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return text.substr(0, end) + "…";
}

v1::RecommendationsResponse ToResponse(const std::vector<Ranked>& ranked) {
  v1::RecommendationsResponse response;
  for (const Ranked& entry : ranked) {
    v1::RecommendedItem* item = response.add_items();
    item->set_type(entry.item->type);
    item->set_id(entry.item->id);
    item->set_title(entry.item->title);
    item->set_summary(Shorten(entry.item->summary, kMaxSummaryChars));
    for (const std::string& tag : entry.item->tags) {
      item->add_tags(tag);
    }
    item->set_score(entry.score);
    for (const std::string& reason : entry.reasons) {
      item->add_reasons(reason);
    }
  }
  return response;
}

class CachedRecommendationsService final : public RecommendationsService {
 public:
  CachedRecommendationsService(std::unique_ptr<ActivitySource> source,
                               RecommendationsOptions options)
      : source_(std::move(source)), options_(std::move(options)) {}

  ~CachedRecommendationsService() override {
    if (rebuild_thread_.joinable()) {
      rebuild_thread_.join();
    }
  }

  Result<v1::RecommendationsResponse> Recommend(const v1::RecommendRequest& request) override {
    if (Status valid = CheckLimitAndType(request.limit(), request.type(), "type"); !valid) {
      return Fail(valid.error());
    }
    Result<std::shared_ptr<const RankingModel>> model = CurrentModel();
    if (!model) {
      return Fail(model.error());
    }
    return ToResponse((*model)->Recommend(request.user_id(), static_cast<size_t>(request.limit()),
                                          request.type()));
  }

  Result<v1::RecommendationsResponse> Related(const v1::RelatedRequest& request) override {
    if (Status valid = CheckLimitAndType(request.limit(), request.result_type(), "type"); !valid) {
      return Fail(valid.error());
    }
    if (request.type() != "lab" && request.type() != "article") {
      return Fail(Error::InvalidArgument("The item type must be \"lab\" or \"article\"."));
    }
    Result<std::shared_ptr<const RankingModel>> model = CurrentModel();
    if (!model) {
      return Fail(model.error());
    }
    std::optional<std::vector<Ranked>> related = (*model)->Related(
        request.type(), request.id(), static_cast<size_t>(request.limit()), request.result_type());
    if (!related) {
      return Fail(Error::NotFound("The " + request.type() + " does not exist."));
    }
    return ToResponse(*related);
  }

 private:
  // Returns the model of the current activity version. While rebuilds are quick, callers wait
  // for one; after a rebuild slower than options_.wait_for_rebuild, the next runs in the
  // background.
  Result<std::shared_ptr<const RankingModel>> CurrentModel() {
    std::unique_lock lock(mutex_);
    Result<std::string> version = source_->Version();
    if (!version) {
      spdlog::error("recommendations: reading the activity version failed: {}",
                    version.error().internal);
      return Fail(version.error());
    }
    if (model_ && *version == version_) {
      return model_;
    }
    if (model_ && last_rebuild_.load() > options_.wait_for_rebuild) {
      if (!rebuilding_) {
        rebuilding_ = true;
        if (rebuild_thread_.joinable()) {
          rebuild_thread_.join();  // finished, because rebuilding_ was false
        }
        rebuild_thread_ = std::thread([this, next = *version] {
          Result<std::shared_ptr<const RankingModel>> built = Build();
          std::lock_guard done(mutex_);
          if (built) {
            model_ = *built;
            version_ = next;
          }
          rebuilding_ = false;
        });
      }
      return model_;
    }
    Result<std::shared_ptr<const RankingModel>> built = Build();
    if (!built) {
      return Fail(built.error());
    }
    model_ = *built;
    version_ = *version;
    return model_;
  }

  // Loads the activity and builds a model of it, and records how long that took.
  Result<std::shared_ptr<const RankingModel>> Build() {
    const auto load_started = std::chrono::steady_clock::now();
    Result<Activity> activity = source_->Load();
    if (!activity) {
      spdlog::error("recommendations: loading the activity failed: {}", activity.error().internal);
      return Fail(activity.error());
    }
    const auto build_started = std::chrono::steady_clock::now();
    const size_t items = activity->items.size();
    const size_t interactions = activity->interactions.size();
    auto model = std::make_shared<const RankingModel>(std::move(*activity), options_.weights);
    const auto built = std::chrono::steady_clock::now();
    last_rebuild_ = built - load_started;
    using Milliseconds = std::chrono::milliseconds;
    spdlog::info(
        "recommendations: rebuilt the model of {} items and {} interactions; loading took {} ms, "
        "building {} ms",
        items, interactions,
        std::chrono::duration_cast<Milliseconds>(build_started - load_started).count(),
        std::chrono::duration_cast<Milliseconds>(built - build_started).count());
    return std::shared_ptr<const RankingModel>(std::move(model));
  }

  std::unique_ptr<ActivitySource> source_;
  RecommendationsOptions options_;
  std::mutex mutex_;
  std::shared_ptr<const RankingModel> model_;
  std::string version_;
  // The duration of the last rebuild, written by the thread that built it.
  std::atomic<std::chrono::steady_clock::duration> last_rebuild_{};
  bool rebuilding_ = false;
  std::thread rebuild_thread_;
};

}  // namespace

std::unique_ptr<RecommendationsService> MakeRecommendationsService(
    std::unique_ptr<ActivitySource> source, RecommendationsOptions options) {
  return std::make_unique<CachedRecommendationsService>(std::move(source), std::move(options));
}

}  // namespace openlabs::recommendations
