#include "services/grading/grading_service.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/random.h"
#include "services/grading/grader_archive.h"
#include "services/grading/grader_spec.h"
#include "services/grading/grading_messages.h"
#include "services/grading/job_queue.h"
#include "services/grading/rubric_store.h"
#include "services/grading/similarity_report.h"
#include "services/grading/submission_files.h"

namespace openlabs::grading {
namespace {

Error NoGrader(int64_t lab_id) {
  return Error::NotFound("Lab " + std::to_string(lab_id) + " has no grader attached.");
}

// Field names of grader.toml problems, prefixed so that the client sees where they are.
Error GraderInvalid(Error error) {
  for (FieldViolation& violation : error.details) {
    if (!violation.field.starts_with("archive")) {
      violation.field = "grader/" + violation.field;
    }
  }
  error.message = "The grader archive is invalid.";
  return error;
}

// Whether `batch` has the form of the ids that Regrade returns: a lowercase UUID
// (8-4-4-4-12 hexadecimal digits), as NewUuid makes them.
bool IsBatchId(std::string_view batch) {
  if (batch.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const char c = batch[i];
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    const bool valid = dash_position ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!valid) {
      return false;
    }
  }
  return true;
}

// The statement that reads a lab's grading flags, prepared once per pooled connection (see
// storage::Database::WithPrepared), because GET /api/v1/labs/{id} reads them on every request.
class LabGradingQuery {
 public:
  explicit LabGradingQuery(soci::session& session)
      : statement_((session.prepare << "SELECT (SELECT COUNT(*) FROM lab_graders WHERE lab_id = "
                                       ":lab1), (SELECT COALESCE(SUM(active), 0) FROM lab_graders "
                                       "WHERE lab_id = :lab2), (SELECT COUNT(*) FROM lab_rubrics "
                                       "WHERE lab_id = :lab3)",
                    soci::use(lab_, "lab1"), soci::use(lab_, "lab2"), soci::use(lab_, "lab3"),
                    soci::into(versions_), soci::into(active_), soci::into(rubrics_))) {}

  // Returns the flags of lab `lab_id`; drafts need a rubric and a configured model.
  v1::LabGrading Read(int64_t lab_id, bool model_configured) {
    lab_ = lab_id;
    versions_ = active_ = rubrics_ = 0;
    statement_.execute(true);
    // One row, so this only runs the statement to its end.
    while (statement_.fetch()) {
    }
    v1::LabGrading grading;
    grading.set_has_grader(active_ > 0);
    grading.set_had_grader(versions_ > 0);
    grading.set_has_rubric(rubrics_ > 0);
    grading.set_has_drafts(rubrics_ > 0 && model_configured);
    return grading;
  }

 private:
  long long lab_ = 0;
  long long versions_ = 0;
  long long active_ = 0;
  long long rubrics_ = 0;
  soci::statement statement_;
};

class SqlGradingService final : public GradingService {
 public:
  SqlGradingService(storage::Database& database, storage::BlobStore& blobs,
                    SubmissionDirectory& directory, GradingOptions options)
      : database_(database),
        blobs_(blobs),
        directory_(directory),
        options_(std::move(options)),
        queue_(database, JobQueueOptions{options_.lease_millis, options_.max_attempts,
                                         options_.retry_base_millis, options_.now_millis}),
        rubrics_(database, JobQueueOptions{options_.rubric_lease_millis, options_.max_attempts,
                                           options_.retry_base_millis, options_.now_millis}) {}

  ~SqlGradingService() override { Stop(); }

  Result<v1::Grader> AttachGrader(const v1::AttachGraderRequest& request,
                                  const CallContext& caller) override {
    Result<v1::Grader> attached = AttachUploaded(request, caller);
    ForgetLabGrading(request.lab_id());
    if (Status removed = blobs_.Delete(request.upload_key()); !removed) {
      spdlog::warn("grading: cannot delete the upload {}: {}", request.upload_key(),
                   removed.error().internal);
    }
    return attached;
  }

  Result<v1::Grader> GetGrader(const v1::GetGraderRequest& request,
                               const CallContext& caller) override {
    const int64_t lab_id = request.lab_id();
    Result<int64_t> author = directory_.GetLabAuthor(lab_id);
    if (!author) {
      return Fail(author.error());
    }
    Result<std::optional<GraderRow>> row = ActiveGrader(lab_id);
    if (!row) {
      return Fail(row.error());
    }
    if (!*row) {
      return Fail(NoGrader(lab_id));
    }
    const bool manager = caller.user_id == *author || caller.is_moderator();
    return GraderMessage(lab_id, **row, manager);
  }

  Result<v1::DetachGraderResponse> DetachGrader(const v1::DetachGraderRequest& request,
                                                const CallContext& caller) override {
    const int64_t lab_id = request.lab_id();
    if (Status allowed = RequireManager(lab_id, caller); !allowed) {
      return Fail(allowed.error());
    }
    Result<int> detached =
        database_.InTransaction<int>(
            [&](soci::session& session) -> Result<int> {
              const long long lab = lab_id;
              soci::statement update =
                  (session.prepare
                       << "UPDATE lab_graders SET active = 0 WHERE lab_id = :lab AND active = 1",
                   soci::use(lab));
              update.execute(true);
              return static_cast<int>(update.get_affected_rows());
            });
    ForgetLabGrading(lab_id);
    if (!detached) {
      return Fail(detached.error());
    }
    if (*detached == 0) {
      return Fail(NoGrader(lab_id));
    }
    spdlog::info("grading: grader of lab {} detached by user {}", lab_id, caller.user_id);
    return v1::DetachGraderResponse();
  }

  Status SubmissionCreated(int64_t submission_id, int64_t lab_id) override {
    Status drafted = QueueRubricReview(submission_id, lab_id);
    Result<std::optional<GraderRow>> row = ActiveGrader(lab_id);
    if (!row) {
      return Fail(row.error());
    }
    if (*row) {
      Result<bool> queued = queue_.Enqueue(submission_id, lab_id, (*row)->id, "", std::nullopt);
      if (!queued) {
        return Fail(queued.error());
      }
    }
    wake_.notify_all();
    return drafted;
  }

  Result<v1::Rubric> PutRubric(const v1::PutRubricRequest& request,
                               const CallContext& caller) override {
    if (Status allowed = RequireManager(request.lab_id(), caller); !allowed) {
      return Fail(allowed.error());
    }
    Result<v1::Rubric> rubric = ValidateRubric(request);
    if (!rubric) {
      return Fail(rubric.error());
    }
    Result<v1::Rubric> saved = rubrics_.Save(*rubric, caller.user_id);
    ForgetLabGrading(request.lab_id());
    if (!saved) {
      return Fail(saved.error());
    }
    saved->set_model_configured(options_.rubric_model.configured());
    spdlog::info("grading: rubric of lab {} set by user {} ({} criteria, {})", request.lab_id(),
                 caller.user_id, saved->criteria_size(), saved->enabled() ? "enabled" : "disabled");
    return saved;
  }

  Result<v1::Rubric> GetRubric(const v1::GetRubricRequest& request,
                               const CallContext& caller) override {
    if (Result<int64_t> author = directory_.GetLabAuthor(request.lab_id()); !author) {
      return Fail(author.error());
    }
    Result<std::optional<v1::Rubric>> rubric = rubrics_.Load(request.lab_id());
    if (!rubric) {
      return Fail(rubric.error());
    }
    if (!*rubric) {
      return Fail(Error::NotFound("Lab " + std::to_string(request.lab_id()) +
                                  " has no rubric; its author can set one."));
    }
    (*rubric)->set_model_configured(options_.rubric_model.configured());
    const bool manager = caller.authenticated() &&
                         (caller.user_id == directory_.GetLabAuthor(request.lab_id()).value_or(0) ||
                          caller.is_moderator());
    if (!manager) {
      (*rubric)->clear_updated_by();
    }
    return **rubric;
  }

  Result<v1::LabGrading> GetLabGrading(int64_t lab_id) override {
    const auto now = std::chrono::steady_clock::now();
    uint64_t writes = 0;
    {
      std::lock_guard lock(lab_grading_mutex_);
      const auto found = lab_grading_.find(lab_id);
      if (found != lab_grading_.end() && found->second.expires > now) {
        return found->second.grading;
      }
      writes = lab_grading_writes_;
    }
    Result<v1::LabGrading> grading = database_.WithSession<v1::LabGrading>(
        [&](soci::session& session) -> Result<v1::LabGrading> {
          return database_.WithPrepared<LabGradingQuery>(session, [&](LabGradingQuery& query) {
            return query.Read(lab_id, options_.rubric_model.configured());
          });
        });
    if (grading) {
      std::lock_guard lock(lab_grading_mutex_);
      // A write since the read may have changed the flags, so the read is not kept.
      if (writes == lab_grading_writes_) {
        if (lab_grading_.size() >= kMaxCachedLabGradings) {
          lab_grading_.clear();
        }
        lab_grading_[lab_id] = {*grading, now + kLabGradingLifetime};
      }
    }
    return grading;
  }

  Result<v1::RubricReview> GetRubricReview(const v1::GetRubricReviewRequest& request,
                                           const CallContext& caller) override {
    const int64_t submission_id = request.submission_id();
    Result<SubmissionAccess> access = ReadableSubmission(submission_id, caller);
    if (!access) {
      return Fail(access.error());
    }
    if (caller.user_id == access->learner_id && !caller.is_moderator()) {
      return Fail(Error::PermissionDenied(
          "the machine-written rubric review is a draft for the submission's reviewers"));
    }
    if (!options_.rubric_model.configured()) {
      return Fail(Error::FailedPrecondition(
          "No language model is configured on this server, so no rubric reviews are written. "
          "An administrator can set [assistant] chat_base_url and chat_model."));
    }
    Result<std::optional<v1::RubricReview>> review = rubrics_.Find(submission_id);
    if (!review) {
      return Fail(review.error());
    }
    if (!*review) {
      return Fail(Error::NotFound("Submission " + std::to_string(submission_id) +
                                  " has no rubric review; its lab had no enabled rubric when it "
                                  "was made."));
    }
    return **review;
  }

  Result<int> QueueMissingJobs() override {
    Result<int> graded = QueueMissingGradingJobs();
    if (!graded) {
      return Fail(graded.error());
    }
    Result<int> drafted = QueueMissingRubricReviews();
    if (!drafted) {
      return Fail(drafted.error());
    }
    if (*graded + *drafted > 0) {
      wake_.notify_all();
    }
    return *graded + *drafted;
  }

  Result<bool> GradingStarted(int64_t submission_id) override {
    return queue_.AnyClaimed(submission_id);
  }

  Result<v1::SubmissionGrading> GetSubmissionGrading(const v1::GetSubmissionGradingRequest& request,
                                                     const CallContext& caller) override {
    const int64_t submission_id = request.submission_id();
    Result<SubmissionAccess> access = ReadableSubmission(submission_id, caller);
    if (!access) {
      return Fail(access.error());
    }
    Result<std::optional<JobRow>> job = queue_.Latest(submission_id);
    if (!job) {
      return Fail(job.error());
    }
    if (!*job) {
      return Fail(Error::NotFound("Submission " + std::to_string(submission_id) +
                                  " has no grading job; its lab had no grader when it was made."));
    }
    const bool submitter_only = caller.user_id == access->learner_id && !caller.is_moderator();
    return SubmissionGradingMessage(**job, !submitter_only);
  }

  Result<v1::RegradeResponse> Regrade(const v1::RegradeRequest& request,
                                      const CallContext& caller) override {
    const int64_t lab_id = request.lab_id();
    if (Status allowed = RequireManager(lab_id, caller); !allowed) {
      return Fail(allowed.error());
    }
    Result<std::optional<GraderRow>> row = ActiveGrader(lab_id);
    if (!row) {
      return Fail(row.error());
    }
    if (!*row) {
      return Fail(Error::FailedPrecondition("lab " + std::to_string(lab_id) +
                                            " has no grader; attach one before regrading"));
    }

    Result<std::vector<int64_t>> ids =
        directory_.ListLabSubmissions(lab_id, options_.max_regrade_submissions);
    if (!ids) {
      return Fail(ids.error());
    }

    const std::string batch = NewUuid();
    int queued = 0;
    for (int64_t id : *ids) {
      Result<std::optional<double>> previous = queue_.LatestScore(id);
      if (!previous) {
        return Fail(previous.error());
      }
      Result<bool> added = queue_.Enqueue(id, lab_id, (*row)->id, batch, *previous);
      if (!added) {
        return Fail(added.error());
      }
      queued += *added ? 1 : 0;
    }

    wake_.notify_all();
    spdlog::info("grading: user {} queued {} submissions of lab {} for regrading (batch {})",
                 caller.user_id, queued, lab_id, batch);
    v1::RegradeResponse response;
    response.set_lab_id(lab_id);
    response.set_batch(batch);
    response.set_grader_version((*row)->version);
    response.set_queued(queued);
    return response;
  }

  Result<v1::ListGradingJobsResponse> ListGradingJobs(const v1::ListGradingJobsRequest& request,
                                                      const CallContext& caller) override {
    const int64_t lab_id = request.lab_id();
    if (!request.batch().empty() && !IsBatchId(request.batch())) {
      return Fail(Error::Validation(
          {{"batch", "must be a batch id returned by the regrade route, a lowercase UUID"}}));
    }
    if (Status allowed = RequireManager(lab_id, caller); !allowed) {
      return Fail(allowed.error());
    }
    Result<std::vector<JobRow>> rows =
        queue_.ListForLab(lab_id, request.batch(), options_.max_regrade_submissions);
    if (!rows) {
      return Fail(rows.error());
    }
    v1::ListGradingJobsResponse response;
    response.set_lab_id(lab_id);
    if (!request.batch().empty()) {
      response.set_batch(request.batch());
    }
    for (const JobRow& row : *rows) {
      v1::GradingJob* item = response.add_items();
      *item = JobMessage(row);
      response.set_changed(response.changed() + (item->score_changed() ? 1 : 0));
      if (row.status == "queued") {
        response.set_queued(response.queued() + 1);
      } else if (row.status == "running") {
        response.set_running(response.running() + 1);
      } else if (row.status == "done") {
        response.set_done(response.done() + 1);
      } else if (row.status == "failed") {
        response.set_failed(response.failed() + 1);
      }
    }
    return response;
  }

  Result<v1::SimilarityReport> FindSimilarSubmissions(
      const v1::FindSimilarSubmissionsRequest& request, const CallContext& caller) override {
    const double threshold = request.threshold();
    // NaN fails every comparison, so it is rejected by name.
    if (!std::isfinite(threshold) || threshold < 0 || threshold > 1) {
      return Fail(Error::Validation({{"threshold", "must be a number from 0 to 1"}}));
    }
    if (Status allowed = RequireManager(request.lab_id(), caller); !allowed) {
      return Fail(allowed.error());
    }
    return BuildSimilarityReport(blobs_, directory_, request.lab_id(), threshold,
                                 options_.max_similarity_submissions);
  }

  void Start() override {
    std::lock_guard lock(threads_mutex_);
    if (!workers_.empty() || options_.workers <= 0) {
      return;
    }
    stopping_ = false;
    PrepareWorkParent();
    for (int i = 0; i < options_.workers; ++i) {
      workers_.emplace_back([this, i] { WorkerLoop(i); });
    }
    lease_keeper_ = std::thread([this] { KeepLeases(); });
    reconciler_ = std::thread([this] { ReconcileLoop(); });
    if (options_.rubric_model.configured()) {
      rubric_writer_ = std::thread([this] { RubricWorkerLoop(); });
    }
    spdlog::info("grading: {} workers started", options_.workers);
    LogSandboxUsers();
  }

  // Empties the folder of the jobs' temporary files, whose contents at start belong to jobs of
  // a server process that was killed, and lets sandbox uids pass through it to their own folder.
  void PrepareWorkParent() const {
    const std::filesystem::path& folder = options_.runner.work_parent;
    if (folder.empty()) {
      return;
    }
    std::error_code error;
    const uintmax_t removed = std::filesystem::remove_all(folder, error);
    if (error) {
      spdlog::error("grading: cannot empty the job folder {}: {}", folder.string(),
                    error.message());
    } else if (removed > 0) {
      spdlog::info("grading: removed {} files and folders left by stopped jobs in {}", removed,
                   folder.string());
    }
    std::filesystem::create_directories(folder, error);
    if (!error) {
      std::filesystem::permissions(folder, std::filesystem::perms(0711), error);
    }
    if (error) {
      spdlog::error("grading: cannot create the job folder {}: {}", folder.string(),
                    error.message());
    }
  }

  // Warns when jobs share one uid, because one job's processes then count towards the
  // RLIMIT_NPROC of every other job.
  void LogSandboxUsers() const {
    const RunnerOptions& runner = options_.runner;
    if (runner.user) {
      spdlog::warn("grading: every job runs under the configured uid {}", runner.user->uid);
    } else if (geteuid() != 0) {
      spdlog::warn(
          "grading: the server does not run as root, so grading jobs run under its own uid "
          "and share one process limit");
    } else if (!runner.uid_block) {
      spdlog::warn("grading: no sandbox uid block is set, so grading jobs share the uid {}",
                   sandbox::DefaultSandboxUser().uid);
    } else {
      spdlog::info("grading: each job runs under a uid of its own from {} to {}",
                   runner.uid_block->first,
                   runner.uid_block->first + static_cast<uid_t>(runner.uid_block->count) - 1);
    }
  }

  void Stop() override {
    std::lock_guard lock(threads_mutex_);
    if (workers_.empty()) {
      return;
    }
    {
      std::lock_guard state(state_mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) {
      worker.join();
    }
    workers_.clear();
    lease_keeper_.join();
    reconciler_.join();
    if (rubric_writer_.joinable()) {
      rubric_writer_.join();
    }
    spdlog::info("grading: workers stopped");
  }

 private:
  // Returns the caller's access to the submission, or kNotFound when the caller may not read it.
  Result<SubmissionAccess> ReadableSubmission(int64_t submission_id, const CallContext& caller) {
    Result<SubmissionAccess> access = directory_.GetAccess(submission_id, caller);
    if (!access) {
      return Fail(access.error());
    }
    if (!access->can_read) {
      return Fail(Error::NotFound("The submission does not exist."));
    }
    return access;
  }

  Status RequireManager(int64_t lab_id, const CallContext& caller) {
    if (!caller.authenticated()) {
      return Fail(Error::Unauthenticated("sign in to manage a lab's grader"));
    }
    Result<int64_t> author = directory_.GetLabAuthor(lab_id);
    if (!author) {
      return Fail(author.error());
    }
    if (*author != caller.user_id && !caller.is_moderator()) {
      return Fail(Error::PermissionDenied("only the lab's author and moderators may do this"));
    }
    return {};
  }

  Result<v1::Grader> AttachUploaded(const v1::AttachGraderRequest& request,
                                    const CallContext& caller) {
    const int64_t lab_id = request.lab_id();
    const std::string& upload_key = request.upload_key();
    const std::string& archive_name = request.archive_name();
    if (Status allowed = RequireManager(lab_id, caller); !allowed) {
      return Fail(allowed.error());
    }
    Result<storage::BlobInfo> info = blobs_.Stat(upload_key);
    if (!info) {
      return Fail(info.error());
    }
    if (info->size > options_.max_archive_bytes) {
      return Fail(Error{ErrorCode::kPayloadTooLarge,
                        "The grader archive is larger than " +
                            std::to_string(options_.max_archive_bytes >> 20) + " MiB."});
    }
    Result<std::string> archive = blobs_.Get(upload_key);
    if (!archive) {
      return Fail(archive.error());
    }
    Result<ScratchDir> folder = ScratchDir::Create("openlabs-grader");
    if (!folder) {
      return Fail(folder.error());
    }
    if (Status extracted = ExtractArchive(*archive, folder->path()); !extracted) {
      return Fail(GraderInvalid(extracted.error()));
    }
    Result<GraderSpec> spec = LoadGraderSpec(folder->path());
    if (!spec) {
      return Fail(GraderInvalid(spec.error()));
    }
    GraderRow row;
    row.sha256 = Sha256Hex(*archive);
    row.size = static_cast<int64_t>(archive->size());
    row.archive_name = archive_name.empty() ? "grader" : archive_name.substr(0, 255);
    row.summary_json = SpecSummaryJson(*spec);
    row.uploaded_by = caller.user_id;
    Result<GraderRow> stored =
        StoreGrader(lab_id, std::move(row), *archive, static_cast<int>(spec->tests.size()),
                    spec->command ? "command" : "tests");
    if (!stored) {
      return Fail(stored.error());
    }
    spdlog::info("grading: grader version {} attached to lab {} by user {} ({} tests)",
                 stored->version, lab_id, caller.user_id, spec->tests.size());
    return GraderMessage(lab_id, *stored, true);
  }

  Result<GraderRow> StoreGrader(int64_t lab_id, GraderRow row, const std::string& archive,
                                int test_count, const std::string& kind) {
    // The blob is written first under a fresh name, so a failed insert leaves only an orphan.
    std::string token = RandomToken(12);
    for (char& c : token) {
      const unsigned char byte = static_cast<unsigned char>(c);
      c = std::isalnum(byte) ? static_cast<char>(std::tolower(byte)) : '-';
    }
    row.blob_key = "grading/graders/" + std::to_string(lab_id) + "/" + token;
    if (Result<storage::BlobInfo> put = blobs_.Put(row.blob_key, archive); !put) {
      return Fail(put.error());
    }
    return database_.InTransaction<GraderRow>([&](soci::session& session) -> Result<GraderRow> {
      const long long lab = lab_id;
      long long version = 0;
      soci::indicator none = soci::i_ok;
      session << "SELECT MAX(version) FROM lab_graders WHERE lab_id = :lab", soci::use(lab),
          soci::into(version, none);
      row.version = (none == soci::i_ok ? version : 0) + 1;
      row.created_at = options_.now_millis();
      // A new version of an active grader continues its active period.
      long long since = 0;
      soci::indicator since_null = soci::i_null;
      session << "SELECT MIN(active_since) FROM lab_graders WHERE lab_id = :lab AND active = 1",
          soci::use(lab), soci::into(since, since_null);
      const long long active_since = since_null == soci::i_ok ? since : row.created_at;
      session << "UPDATE lab_graders SET active = 0 WHERE lab_id = :lab", soci::use(lab);
      const long long new_version = row.version;
      const long long size = row.size;
      const long long uploaded_by = row.uploaded_by;
      const long long created_at = row.created_at;
      long long id = 0;
      session << "INSERT INTO lab_graders (lab_id, version, blob_key, archive_name, size, sha256, "
                 "kind, test_count, summary_json, uploaded_by, active, created_at, active_since) "
                 "VALUES (:lab, :version, :key, :name, :size, :sha, :kind, :tests, :summary, :by, "
                 "1, :created, :since) RETURNING id",
          soci::use(lab), soci::use(new_version), soci::use(row.blob_key),
          soci::use(row.archive_name), soci::use(size), soci::use(row.sha256), soci::use(kind),
          soci::use(test_count), soci::use(row.summary_json), soci::use(uploaded_by),
          soci::use(created_at), soci::use(active_since), soci::into(id);
      row.id = id;
      return row;
    });
  }

  Result<std::optional<GraderRow>> ActiveGrader(int64_t lab_id) {
    return SelectGrader("lab_id = :value AND active = 1", lab_id);
  }

  Result<std::optional<GraderRow>> SelectGrader(const std::string& where, int64_t value) {
    return database_.WithSession<std::optional<GraderRow>>(
        [&](soci::session& session) -> Result<std::optional<GraderRow>> {
          const long long key = value;
          GraderRow row;
          long long id = 0, version = 0, size = 0, by = 0, created = 0;
          soci::indicator found = soci::i_null;
          session << "SELECT id, version, blob_key, archive_name, sha256, size, summary_json, "
                     "uploaded_by, created_at FROM lab_graders WHERE " +
                         where + " ORDER BY version DESC LIMIT 1",
              soci::use(key), soci::into(id, found), soci::into(version), soci::into(row.blob_key),
              soci::into(row.archive_name), soci::into(row.sha256), soci::into(size),
              soci::into(row.summary_json), soci::into(by), soci::into(created);
          if (!session.got_data() || found != soci::i_ok) {
            return std::optional<GraderRow>();
          }
          row.id = id;
          row.version = version;
          row.size = size;
          row.uploaded_by = by;
          row.created_at = created;
          return std::optional<GraderRow>(std::move(row));
        });
  }

  // Queues a grading job for each submission made since its lab's grader became active that
  // has none. Returns the number queued.
  Result<int> QueueMissingGradingJobs() {
    struct ActivePeriod {
      int64_t grader_id = 0;
      int64_t lab_id = 0;
      int64_t since = 0;
    };
    Result<std::vector<ActivePeriod>> periods = database_.WithSession<std::vector<ActivePeriod>>(
        [&](soci::session& session) -> Result<std::vector<ActivePeriod>> {
          std::vector<ActivePeriod> found;
          long long id = 0, lab = 0, since = 0;
          soci::statement select =
              (session.prepare << "SELECT id, lab_id, active_since FROM lab_graders WHERE "
                                  "active = 1 ORDER BY id",
               soci::into(id), soci::into(lab), soci::into(since));
          select.execute();
          while (select.fetch()) {
            found.push_back({id, lab, since});
          }
          return found;
        });
    if (!periods) {
      return Fail(periods.error());
    }
    int queued = 0;
    for (const ActivePeriod& period : *periods) {
      Result<int> added = QueueMissingSubmissions(
          period.lab_id, period.since, "grading job",
          [&](const std::vector<int64_t>& ids) { return queue_.WithoutInitialJob(ids); },
          [&](int64_t submission_id) {
            return queue_.Enqueue(submission_id, period.lab_id, period.grader_id, "", std::nullopt);
          });
      if (!added) {
        return Fail(added.error());
      }
      queued += *added;
    }
    return queued;
  }

  // Queues a rubric review draft, with the rubric as it is now, for each submission made since
  // its lab's rubric was enabled that has none. Returns the number queued, which is 0 without a
  // model.
  // NOTE: a submission made while the server had no model configured also gets a draft once a
  // model is configured, so the first run after that may send many model requests.
  Result<int> QueueMissingRubricReviews() {
    if (!options_.rubric_model.configured()) {
      return 0;
    }
    Result<std::vector<EnabledRubric>> enabled = rubrics_.ListEnabled();
    if (!enabled) {
      return Fail(enabled.error());
    }
    int queued = 0;
    for (const EnabledRubric& period : *enabled) {
      Result<std::optional<v1::Rubric>> rubric = rubrics_.Load(period.lab_id);
      if (!rubric) {
        return Fail(rubric.error());
      }
      if (!*rubric || !(*rubric)->enabled()) {
        continue;  // changed since it was listed
      }
      Result<int> added = QueueMissingSubmissions(
          period.lab_id, period.enabled_since, "rubric review draft",
          [&](const std::vector<int64_t>& ids) { return rubrics_.WithoutReview(ids); },
          [&](int64_t submission_id) { return rubrics_.Enqueue(submission_id, **rubric); });
      if (!added) {
        return Fail(added.error());
      }
      queued += *added;
    }
    return queued;
  }

  // Calls `queue` for each submission of the lab made at or after `since_millis` that `missing`
  // returns, and counts and logs the calls that returned true. `what` names the queued item in
  // the log. A deleted lab has no submissions.
  Result<int> QueueMissingSubmissions(
      int64_t lab_id, int64_t since_millis, std::string_view what,
      const std::function<Result<std::vector<int64_t>>(const std::vector<int64_t>&)>& missing,
      const std::function<Result<bool>(int64_t)>& queue) {
    Result<std::vector<int64_t>> ids =
        directory_.ListLabSubmissionsSince(lab_id, since_millis, options_.max_regrade_submissions);
    if (!ids) {
      if (ids.error().code == ErrorCode::kNotFound) {
        return 0;
      }
      return Fail(ids.error());
    }
    constexpr size_t kChunk = 500;
    int queued = 0;
    for (size_t start = 0; start < ids->size(); start += kChunk) {
      const std::vector<int64_t> chunk(
          ids->begin() + static_cast<std::ptrdiff_t>(start),
          ids->begin() + static_cast<std::ptrdiff_t>(std::min(ids->size(), start + kChunk)));
      Result<std::vector<int64_t>> without = missing(chunk);
      if (!without) {
        return Fail(without.error());
      }
      for (int64_t submission_id : *without) {
        Result<bool> added = queue(submission_id);
        if (!added) {
          return Fail(added.error());
        }
        if (*added) {
          ++queued;
          spdlog::warn("grading: submission {} of lab {} had no {}; queued it now", submission_id,
                       lab_id, what);
        }
      }
    }
    return queued;
  }

  // Workers: claim, run, record; idle workers wait for a wake-up or the poll interval.
  void WorkerLoop(int index) {
    int consecutive_errors = 0;
    while (!Stopping()) {
      Result<std::optional<ClaimedJob>> claimed = queue_.Claim();
      if (!claimed) {
        if (consecutive_errors++ % 60 == 0) {
          spdlog::error("grading worker {}: cannot claim a job: {}", index,
                        claimed.error().internal);
        }
        WaitForWork();
        continue;
      }
      consecutive_errors = 0;
      if (!*claimed) {
        WaitForWork();
        continue;
      }
      Track(**claimed, true);
      RunJob(**claimed);
      Track(**claimed, false);
    }
  }

  bool Stopping() {
    std::lock_guard lock(state_mutex_);
    return stopping_;
  }

  void WaitForWork() {
    std::unique_lock lock(state_mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(options_.poll_millis),
                   [this] { return stopping_; });
  }

  void Track(const ClaimedJob& job, bool running) {
    std::lock_guard lock(state_mutex_);
    if (running) {
      running_[job.id] = job;
    } else {
      running_.erase(job.id);
    }
  }

  // Renews the leases of this process's running jobs three times per lease period.
  void KeepLeases() {
    const auto period = std::chrono::milliseconds(std::max<int64_t>(options_.lease_millis / 3, 50));
    std::unique_lock lock(state_mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, period, [this] { return stopping_; });
      std::vector<ClaimedJob> jobs;
      for (const auto& [id, job] : running_) {
        jobs.push_back(job);
      }
      lock.unlock();
      for (const ClaimedJob& job : jobs) {
        Result<bool> renewed = queue_.Renew(job);
        if (!renewed) {
          spdlog::error("grading job {}: cannot renew the lease: {}", job.id,
                        renewed.error().internal);
        } else if (!*renewed) {
          spdlog::warn("grading job {}: lease lost; another worker may take it over", job.id);
        }
      }
      lock.lock();
    }
  }

  // Queues a draft when the lab's rubric is enabled and a model is configured.
  Status QueueRubricReview(int64_t submission_id, int64_t lab_id) {
    if (!options_.rubric_model.configured()) {
      return {};
    }
    Result<std::optional<v1::Rubric>> rubric = rubrics_.Load(lab_id);
    if (!rubric) {
      return Fail(rubric.error());
    }
    if (!*rubric || !(*rubric)->enabled()) {
      return {};
    }
    Result<bool> queued = rubrics_.Enqueue(submission_id, **rubric);
    if (!queued) {
      return Fail(queued.error());
    }
    return {};
  }

  // Writes rubric review drafts one at a time, because each waits on the model server.
  void RubricWorkerLoop() {
    int consecutive_errors = 0;
    while (!Stopping()) {
      Result<std::optional<RubricJob>> claimed = rubrics_.Claim();
      if (!claimed) {
        if (consecutive_errors++ % 60 == 0) {
          spdlog::error("rubric review worker: failed to claim a request: {}",
                        claimed.error().internal);
        }
        WaitForWork();
        continue;
      }
      consecutive_errors = 0;
      if (!*claimed) {
        WaitForWork();
        continue;
      }
      WriteRubricReview(**claimed);
    }
  }

  void WriteRubricReview(const RubricJob& job) {
    Result<RubricDraft> draft = DraftRubricReview(job);
    if (draft) {
      Result<bool> stored = rubrics_.Complete(job, *draft, options_.rubric_model.name);
      if (!stored) {
        spdlog::error("rubric review of submission {}: failed to store the draft: {}",
                      job.submission_id, stored.error().internal);
      } else if (*stored) {
        spdlog::info("rubric review of submission {} written by {} (attempt {})",
                     job.submission_id, options_.rubric_model.name, job.attempts);
      }
      return;
    }
    const Error& error = draft.error();
    const bool retryable = error.code != ErrorCode::kNotFound;
    const std::string reason =
        error.message + (error.internal.empty() ? "" : " (" + error.internal + ")");
    spdlog::warn("rubric review of submission {} failed on attempt {}: {}; {}", job.submission_id,
                 job.attempts, reason,
                 retryable && job.attempts < options_.max_attempts ? "it will be retried"
                                                                   : "no retry is left");
    Result<bool> recorded = rubrics_.RecordFailure(job, error.message, retryable);
    if (!recorded) {
      spdlog::error("rubric review of submission {}: failed to record the failure: {}",
                    job.submission_id, recorded.error().internal);
    }
  }

  // Reads the lab and the submission, sends them to the model and validates its output.
  Result<RubricDraft> DraftRubricReview(const RubricJob& job) {
    Result<SubmissionSnapshot> submission = directory_.GetSubmission(job.submission_id);
    if (!submission) {
      return Fail(submission.error());
    }
    Result<LabText> lab = directory_.GetLabText(job.lab_id);
    if (!lab) {
      return Fail(lab.error());
    }
    const RubricPromptLimits& limits = options_.rubric_prompt_limits;
    std::vector<RubricFile> files;
    for (const SubmissionFileRef& file : submission->files) {
      if (file.size > static_cast<int64_t>(limits.max_file_bytes)) {
        files.push_back({file.filename, std::string(limits.max_file_bytes + 1, ' ')});
        continue;  // too long to send; BuildRubricPrompt lists it by name
      }
      Result<std::string> content = blobs_.Get(file.blob_key);
      if (!content) {
        return Fail(content.error());
      }
      files.push_back({file.filename, std::move(*content)});
    }
    const std::vector<ModelTurn> prompt =
        BuildRubricPrompt(job.rubric, *lab, submission->text, files, limits);
    Result<std::string> output = options_.rubric_model.complete(prompt);
    if (!output) {
      return Fail(output.error());
    }
    return ParseRubricDraft(*output, job.rubric);
  }

  // Runs QueueMissingJobs at start and then every reconcile_interval_millis.
  void ReconcileLoop() {
    const auto period = std::chrono::milliseconds(std::max<int64_t>(
        options_.reconcile_interval_millis, 50));
    std::unique_lock lock(state_mutex_);
    while (!stopping_) {
      lock.unlock();
      Result<int> queued = QueueMissingJobs();
      if (!queued) {
        spdlog::error(
            "grading: failed to look for submissions without a grading job or rubric review: {}",
            queued.error().internal);
      } else if (*queued > 0) {
        spdlog::warn("grading: queued {} missing grading jobs and rubric review drafts", *queued);
      }
      lock.lock();
      wake_.wait_for(lock, period, [this] { return stopping_; });
    }
  }

  void RunJob(const ClaimedJob& job) {
    spdlog::info("grading job {} of submission {} started (attempt {})", job.id, job.submission_id,
                 job.attempts);
    Result<GradeReport> report = GradeJob(job);
    if (!report) {
      const Error& error = report.error();
      const bool retryable = error.code != ErrorCode::kNotFound;
      const std::string text =
          error.message + (error.internal.empty() ? "" : " (" + error.internal + ")");
      Result<bool> recorded = queue_.Fail(job, text, retryable);
      const bool retry = retryable && job.attempts < options_.max_attempts;
      spdlog::warn("grading job {} of submission {} failed on attempt {}: {}; {}", job.id,
                   job.submission_id, job.attempts, text,
                   retry ? "it will be retried" : "no retry is left");
      if (!recorded) {
        spdlog::error("grading job {}: cannot record the failure: {}", job.id,
                      recorded.error().internal);
      }
      return;
    }
    Result<bool> completed = queue_.Complete(job, *report);
    if (!completed) {
      spdlog::error("grading job {}: cannot store the result: {}", job.id,
                    completed.error().internal);
      return;
    }
    if (!*completed) {
      spdlog::warn("grading job {}: the lease was lost before the end; result discarded", job.id);
      return;
    }
    spdlog::info("grading job {} of submission {} done: score {}/{} in {:.2f} s", job.id,
                 job.submission_id, report->score, report->max_score, report->execution_seconds);
  }

  // Unpacks the grader and the submission and runs the grader. Errors are machinery failures,
  // except kNotFound for a deleted submission, which is not retried.
  Result<GradeReport> GradeJob(const ClaimedJob& job) {
    Result<std::optional<GraderRow>> grader = SelectGrader("id = :value", job.grader_id);
    if (!grader) {
      return Fail(grader.error());
    }
    if (!*grader) {
      return Fail(Error::NotFound("grader " + std::to_string(job.grader_id) + " is gone"));
    }

    Result<std::string> archive = blobs_.Get((*grader)->blob_key);
    if (!archive) {
      return Fail(Error::Internal("cannot read the grader archive: " + archive.error().message));
    }

    const std::filesystem::path& work_parent = options_.runner.work_parent;
    Result<ScratchDir> grader_dir = ScratchDir::Create("openlabs-grader", work_parent);
    Result<ScratchDir> submission_dir = ScratchDir::Create("openlabs-submission", work_parent);
    if (!grader_dir || !submission_dir) {
      return Fail(Error::Internal("cannot create temporary folders for grading"));
    }
    if (Status extracted = ExtractArchive(*archive, grader_dir->path()); !extracted) {
      GradeReport broken;
      broken.grader_error = "the stored grader archive cannot be unpacked";
      return broken;
    }
    Result<GraderSpec> spec = LoadGraderSpec(grader_dir->path());
    if (!spec) {
      GradeReport broken;
      broken.grader_error = "the stored grader is invalid";
      return broken;
    }

    Result<SubmissionSnapshot> submission = directory_.GetSubmission(job.submission_id);
    if (!submission) {
      return Fail(submission.error());
    }
    Result<std::optional<std::string>> rejected =
        WriteSubmissionFiles(blobs_, *submission, submission_dir->path());
    if (!rejected) {
      return Fail(rejected.error());
    }
    if (*rejected) {
      spdlog::info("grading job {}: submission {} rejected: {}", job.id, job.submission_id,
                   **rejected);
      return RejectedSubmissionReport(*spec, **rejected);
    }
    return RunGrader(*spec, grader_dir->path(), submission_dir->path(), options_.runner);
  }

  storage::Database& database_;
  storage::BlobStore& blobs_;
  SubmissionDirectory& directory_;
  GradingOptions options_;
  JobQueue queue_;
  RubricStore rubrics_;

  std::mutex threads_mutex_;
  std::vector<std::thread> workers_;
  std::thread lease_keeper_;
  std::thread reconciler_;
  std::thread rubric_writer_;

  // Drops the kept grading flags of `lab_id` after a write to its grader or rubric.
  void ForgetLabGrading(int64_t lab_id) {
    std::lock_guard lock(lab_grading_mutex_);
    lab_grading_.erase(lab_id);
    ++lab_grading_writes_;
  }

  // GET /api/v1/labs/{id} reads the lab's grading flags on every request, so they are kept for
  // kLabGradingLifetime, and this service's own writes drop them at once.
  // NOTE: a grader or rubric written by another process (services split across processes)
  // shows in this process's flags up to kLabGradingLifetime later.
  struct CachedLabGrading {
    v1::LabGrading grading;
    std::chrono::steady_clock::time_point expires;
  };
  static constexpr auto kLabGradingLifetime = std::chrono::seconds(2);
  static constexpr size_t kMaxCachedLabGradings = 10'000;
  std::mutex lab_grading_mutex_;
  std::unordered_map<int64_t, CachedLabGrading> lab_grading_;
  uint64_t lab_grading_writes_ = 0;

  std::mutex state_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<int64_t, ClaimedJob> running_;
};

}  // namespace

std::unique_ptr<GradingService> MakeGradingService(storage::Database& database,
                                                   storage::BlobStore& blobs,
                                                   SubmissionDirectory& directory,
                                                   GradingOptions options) {
  return std::make_unique<SqlGradingService>(database, blobs, directory, std::move(options));
}

}  // namespace openlabs::grading
