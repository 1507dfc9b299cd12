#include "app/platform.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "common/random.h"
#include "common/s3_url.h"
#include "gateway/api/articles_routes.h"
#include "gateway/api/assistant_routes.h"
#include "gateway/api/auth_routes.h"
#include "gateway/api/comments_routes.h"
#include "gateway/api/config_routes.h"
#include "gateway/api/grading_routes.h"
#include "gateway/api/labs_routes.h"
#include "gateway/api/notebook_sessions_routes.h"
#include "gateway/api/notebooks_routes.h"
#include "gateway/api/openapi_routes.h"
#include "gateway/api/recommendations_routes.h"
#include "gateway/api/reviews_routes.h"
#include "gateway/api/search_routes.h"
#include "gateway/api/submissions_routes.h"
#include "gateway/api/users_routes.h"
#include "sandbox/uid_lease.h"
#include "services/notebooks/notebook_runner.h"
#include "services/notebooks/sandboxed_syntax_checker.h"
#include "storage/migrations.h"
#include "storage/s3_blob_store.h"

namespace openlabs::app {

Result<std::unique_ptr<storage::BlobStore>> OpenBlobStore(const Config& config) {
  if (config.blob_url.empty()) {
    return storage::MakeLocalBlobStore(
        (std::filesystem::path(config.data_dir) / "blobs").string());
  }
  Result<S3Url> url = ParseS3Url(config.blob_url);
  if (!url) {
    return Fail(url.error());
  }
  spdlog::info("Blobs are stored in bucket {} under prefix \"{}\" at {} (region {})", url->bucket,
               url->prefix, url->endpoint, url->region);
  return storage::MakeS3BlobStore(storage::S3BlobStoreOptionsFor(
      *url, config.s3_access_key_id, config.s3_secret_access_key, config.s3_session_token));
}

Result<std::unique_ptr<storage::Database>> OpenDatabase(const Config& config) {
  Result<std::unique_ptr<storage::Database>> database =
      storage::Database::Open(config.EffectiveDatabaseUrl(), config.database_pool_size);
  if (!database) {
    return Fail(database.error());
  }
  struct ServiceMigrations {
    const char* service;
    std::span<const storage::Migration> migrations;
  };
  const ServiceMigrations all[] = {
      {"users", UsersMigrations()},
      {"auth", AuthMigrations()},
      {"search", SearchMigrations()},
      {"articles", ArticlesMigrations()},
      {"labs", LabsMigrations()},
      {"submissions", SubmissionsMigrations()},
      {"reviews", ReviewsMigrations()},
      {"comments", CommentsMigrations()},
      {"notebooks", NotebooksMigrations()},
      {"assistant", AssistantMigrations()},
      {"grading", GradingMigrations()},
  };
  for (const ServiceMigrations& entry : all) {
    Result<int> applied = storage::ApplyMigrations(**database, entry.service, entry.migrations);
    if (!applied) {
      return Fail(applied.error());
    }
  }
  return database;
}

namespace {

// Builds the grading service over the submissions service, and the wrapper that queues a
// grading job for each new submission. Its workers start with the server (StartWorkers).
void StartGrading(const Config& config, Platform& platform) {
  platform.grading_directory = std::make_unique<GradingDirectoryAdapter>(
      *platform.submissions_core, *platform.lab_directory, *platform.labs);
  grading::GradingOptions options;
  options.workers = config.grading_workers;
  options.lease_millis = int64_t{config.grading_lease_seconds} * 1000;
  options.max_attempts = config.grading_max_attempts;
  options.retry_base_millis = int64_t{config.grading_retry_base_seconds} * 1000;
  options.reconcile_interval_millis = int64_t{config.grading_reconcile_interval_seconds} * 1000;
  options.max_archive_bytes = config.grading_max_archive_bytes;
  options.runner.uid_block = sandbox::ConfiguredUidBlock(config);
  // The jobs' temporary files go to one folder per data directory, emptied when the workers
  // start, so that those of a killed server do not pile up in the system temp directory.
  std::error_code ignored;
  const std::string data_dir = std::filesystem::absolute(config.data_dir, ignored).string();
  options.runner.work_parent = std::filesystem::temp_directory_path(ignored) /
                               ("openlabs-grading-" + Sha256Hex(data_dir).substr(0, 16));
  options.rubric_model = MakeRubricModel(config);
  options.rubric_lease_millis = int64_t{config.assistant_model_timeout_seconds + 60} * 1000;
  platform.grading = grading::MakeGradingService(*platform.database, *platform.blobs,
                                                 *platform.grading_directory, options);
  platform.grading_record->Attach(*platform.grading);
  platform.submissions =
      std::make_unique<GradedSubmissionsService>(*platform.submissions_core, *platform.grading);
}

// Builds labs, submissions and reviews. The labs service asks the submissions service for
// counts and the submissions service asks the labs service for authors, so the counter adapter
// is attached once both exist.
void StartLearningLoop(const Config& config, Platform& platform) {
  platform.submission_counter = std::make_unique<SubmissionCounterAdapter>();
  platform.labs = labs::MakeLabsService(*platform.database, *platform.blobs,
                                        platform.indexed_content.get(),
                                        *platform.submission_counter);
  platform.lab_directory = std::make_unique<LabDirectoryAdapter>(*platform.labs);

  submissions::SubmissionsOptions submissions_options;
  submissions_options.cost_points = config.submission_cost_points;
  submissions_options.required_reviews = config.review_required_count;
  submissions_options.claim_lease_seconds = config.review_claim_lease_seconds;
  platform.notebook_copies = std::make_unique<NotebookCopiesAdapter>();
  platform.grading_record = std::make_unique<GradingRecordAdapter>();
  platform.submissions_core = submissions::MakeSubmissionsService(
      *platform.database, *platform.blobs, *platform.users, *platform.lab_directory,
      submissions_options, platform.notebook_copies.get(), platform.grading_record.get());
  platform.submission_counter->Attach(*platform.submissions_core);
  StartGrading(config, platform);

  feedback::ReviewsOptions reviews_options;
  reviews_options.reward_points = config.review_reward_points;
  platform.reviews = feedback::MakeReviewsService(*platform.database, *platform.submissions,
                                                  *platform.users, reviews_options);
}

gateway::PublicSettings PublicSettingsOf(const Config& config) {
  return {
      .initial_points = config.initial_points,
      .submission_cost_points = config.submission_cost_points,
      .submission_max_file_bytes = config.submission_max_file_bytes,
      .submission_max_files = submissions::SubmissionsOptions{}.max_files,
      .review_reward_points = config.review_reward_points,
      .review_required_count = config.review_required_count,
      .review_claim_lease_seconds = config.review_claim_lease_seconds,
      .lab_max_asset_bytes = config.labs_max_asset_bytes,
      .article_max_pdf_bytes = config.articles_max_pdf_bytes,
  };
}

}  // namespace

Result<Platform> StartPlatform(const Config& config) {
  Platform platform;
  platform.config = config;
  Result<std::unique_ptr<storage::Database>> database = OpenDatabase(config);
  if (!database) {
    return Fail(database.error());
  }
  platform.database = std::move(*database);
  Result<std::unique_ptr<storage::BlobStore>> blobs = OpenBlobStore(config);
  if (!blobs) {
    return Fail(blobs.error());
  }
  platform.blobs = std::move(*blobs);

  platform.users = users::MakeUsersService(
      *platform.database, users::UsersOptions{.initial_points = config.initial_points});

  auth::AuthOptions auth_options;
  auth_options.issuer = config.jwt_issuer;
  auth_options.access_token_ttl_seconds = config.access_token_ttl_seconds;
  auth_options.refresh_token_ttl_seconds = config.refresh_token_ttl_seconds;
  auth_options.login_attempts_per_account = config.login_attempts_per_account;
  auth_options.login_attempts_per_address = config.login_attempts_per_address;
  auth_options.login_window_seconds = config.login_window_seconds;
  auth_options.mfa_attempts_per_account = config.mfa_attempts_per_account;
  auth_options.mfa_window_seconds = config.mfa_window_seconds;
  auth_options.refresh_reuse_grace_seconds = config.refresh_reuse_grace_seconds;
  auth_options.totp_issuer = config.totp_issuer;
  Result<std::unique_ptr<auth::AuthService>> auth =
      auth::MakeAuthService(*platform.database, *platform.users, auth_options);
  if (!auth) {
    return Fail(auth.error());
  }
  platform.auth = std::move(*auth);

  platform.search = search::MakeSearchIndex(
      *platform.database, search::SearchOptions{.cached_pages = config.search_cached_pages});
  platform.indexed_content = std::make_unique<IndexChangeFanout>(*platform.search);
  platform.articles = articles::MakeArticlesService(
      *platform.database, *platform.blobs, *platform.indexed_content,
      articles::ArticlesOptions{.max_pdf_bytes = config.articles_max_pdf_bytes});
  StartLearningLoop(config, platform);
  platform.comment_targets =
      std::make_unique<CommentTargetsAdapter>(*platform.labs, *platform.articles);
  platform.comments = feedback::MakeCommentsService(*platform.database, *platform.comment_targets);
  platform.notebook_parents =
      std::make_unique<NotebookParentsAdapter>(*platform.labs, *platform.articles);
  notebooks::NotebooksOptions notebook_options;
  if (Result<std::filesystem::path> kernel_dir = notebooks::FindKernelDir(); kernel_dir) {
    platform.cell_syntax_checker =
        notebooks::MakeSandboxedSyntaxChecker(*kernel_dir, sandbox::ConfiguredUidBlock(config));
    notebook_options.syntax_checker = platform.cell_syntax_checker.get();
  } else {
    spdlog::warn("Notebook cells are checked by tokens only, which misses some syntax errors: {}",
                 kernel_dir.error().message);
  }
  platform.notebooks = notebooks::MakeNotebooksService(
      *platform.database, *platform.blobs, *platform.notebook_parents, notebook_options);
  platform.notebook_copies->Attach(*platform.notebooks);
  platform.assistant =
      MakeAssistant(config, *platform.database, *platform.labs, *platform.articles,
                    *platform.notebooks);
  platform.indexed_content->AttachIndexer(*platform.assistant.indexer);
  platform.recommendations =
      recommendations::MakeRecommendationsService(recommendations::MakeServiceActivitySource(
          *platform.labs, *platform.articles, *platform.submissions, *platform.comments));
  return platform;
}

void StartBackgroundWork(Platform& platform) {
  platform.assistant.indexer->Start();
  platform.search->StartBackgroundWork();
}

Status StartNotebookSessions(Platform& platform) {
  Result<std::filesystem::path> kernel_dir = notebooks::FindKernelDir();
  if (!kernel_dir) {
    return Fail(kernel_dir.error());
  }
  const Config::Notebooks& settings = platform.config.notebooks;
  notebooks::SessionManagerOptions options;
  options.kernel_dir = *kernel_dir;
  // Sandboxed kernels must traverse the path to their staging directory, and the data directory
  // is private to the server, so the staging directories live under the system temp directory,
  // in a folder named after the data directory (one per server, the same after a restart).
  std::error_code ignored;
  const std::string data_dir =
      std::filesystem::absolute(platform.config.data_dir, ignored).string();
  options.session_root = std::filesystem::temp_directory_path(ignored) /
                         ("openlabs-notebook-sessions-" + Sha256Hex(data_dir).substr(0, 16));
  options.limits.cell_cpu_seconds = static_cast<double>(settings.cell_cpu_seconds);
  options.limits.cell_wall_seconds = static_cast<double>(settings.cell_wall_seconds);
  options.limits.session_cpu_seconds = static_cast<int>(settings.session_cpu_seconds);
  options.limits.memory_bytes = static_cast<uint64_t>(settings.memory_bytes);
  options.limits.max_processes = static_cast<int>(settings.max_processes);
  options.limits.max_open_files = static_cast<int>(settings.max_open_files);
  options.limits.max_file_bytes = static_cast<uint64_t>(settings.max_file_bytes);
  options.limits.work_bytes = static_cast<uint64_t>(settings.work_bytes);
  options.limits.tmp_bytes = static_cast<uint64_t>(settings.tmp_bytes);
  options.idle_timeout = std::chrono::seconds(settings.idle_timeout_seconds);
  options.max_lifetime = std::chrono::seconds(settings.max_lifetime_seconds);
  options.max_sessions_per_user = static_cast<int>(settings.max_sessions_per_user);
  options.max_sessions = static_cast<int>(settings.max_sessions);
  options.pool_size = static_cast<int>(settings.pool_size);
  options.first_uid = static_cast<uid_t>(NotebookSandboxFirstUid(platform.config));
  options.uid_count = static_cast<int>(settings.sandbox_uid_count);
  Result<std::unique_ptr<notebooks::SessionManager>> manager =
      notebooks::SessionManager::Create(std::move(options));
  if (!manager) {
    return Fail(manager.error());
  }
  platform.notebook_sessions = std::move(*manager);
  return {};
}

gateway::Router BuildRouter(Platform& platform) {
  gateway::Router router;
  gateway::AddAuthRoutes(router, *platform.auth);
  feedback::ReviewsService& reviews = *platform.reviews;
  gateway::AddUsersRoutes(router, *platform.users, *platform.auth, [&reviews](int64_t user_id) {
    v1::GetReputationRequest get;
    get.set_user_id(user_id);
    return reviews.GetReputation(get);
  });
  gateway::AddArticlesRoutes(router, *platform.articles, *platform.auth, *platform.blobs,
                             {.max_pdf_bytes = platform.config.articles_max_pdf_bytes});
  gateway::AddSearchRoutes(router, *platform.search);
  gateway::AddLabsRoutes(router, *platform.labs, *platform.auth, *platform.blobs,
                         {.max_asset_bytes = platform.config.labs_max_asset_bytes,
                          .lab_grading = [&grading = *platform.grading](int64_t lab_id) {
                            return grading.GetLabGrading(lab_id);
                          }});
  gateway::AddCommentsRoutes(router, *platform.comments, *platform.auth);
  gateway::AddNotebooksRoutes(router, *platform.notebooks, *platform.auth, *platform.blobs,
                              {.max_asset_bytes = platform.config.labs_max_asset_bytes});
  gateway::AddAssistantRoutes(router, *platform.assistant.chat, *platform.auth,
                              *platform.assistant.answers);
  gateway::AddSubmissionsRoutes(router, *platform.submissions, *platform.reviews, *platform.auth,
                                *platform.blobs,
                                {.max_file_bytes = platform.config.submission_max_file_bytes});
  gateway::AddReviewsRoutes(router, *platform.submissions, *platform.reviews, *platform.auth,
                            *platform.blobs,
                            {.max_file_bytes = platform.config.submission_max_file_bytes});
  gateway::AddConfigRoutes(router, PublicSettingsOf(platform.config));
  if (platform.notebook_sessions) {
    gateway::NotebookSessionRoutesOptions sessions_options;
    sessions_options.websocket_limits.max_message_bytes =
        static_cast<size_t>(platform.config.notebooks.websocket_max_message_bytes);
    sessions_options.websocket_limits.messages_per_second =
        static_cast<int>(platform.config.notebooks.websocket_messages_per_second);
    sessions_options.scratch_dir = platform.notebook_sessions->options().session_root;
    sessions_options.max_widget_upload_bytes = platform.config.notebooks.max_widget_upload_bytes;
    notebooks::NotebooksService& stored = *platform.notebooks;
    storage::BlobStore& blobs = *platform.blobs;
    sessions_options.resolve_notebook = [&stored, &blobs](const CallContext& caller, int64_t id,
                                                          const std::filesystem::path& assets_dir)
        -> Result<std::string> {
      v1::GetNotebookSourceRequest request;
      request.set_id(id);
      Result<v1::NotebookSource> source = stored.GetNotebookSource(request, caller);
      if (!source) {
        return Fail(source.error());
      }
      if (Status written = notebooks::MaterializeAssets(blobs, *source, assets_dir); !written) {
        return Fail(written.error());
      }
      return source->source();
    };
    gateway::AddNotebookSessionRoutes(router, *platform.notebook_sessions, *platform.auth,
                                      std::move(sessions_options));
  }
  gateway::AddGradingRoutes(router, *platform.grading, *platform.auth, *platform.blobs,
                            {.max_archive_bytes = platform.config.grading_max_archive_bytes});
  gateway::AddRecommendationsRoutes(router, *platform.recommendations, *platform.auth);
  gateway::AddApiDocsRoutes(router, {.web_root = platform.config.web_root});
  return router;
}

}  // namespace openlabs::app
