#pragma once

#include <memory>

#include "app/assistant_wiring.h"
#include "app/comment_targets.h"
#include "app/grading_adapters.h"
#include "app/notebook_copies_adapter.h"
#include "app/notebook_parents.h"
#include "app/service_adapters.h"
#include "common/config.h"
#include "common/error.h"
#include "gateway/router.h"
#include "services/articles/articles_service.h"
#include "services/auth/auth_service.h"
#include "services/feedback/comments_service.h"
#include "services/feedback/reviews_service.h"
#include "services/grading/grading_service.h"
#include "services/labs/labs_service.h"
#include "services/notebooks/notebooks_service.h"
#include "services/notebooks/session_manager.h"
#include "services/recommendations/recommendations_service.h"
#include "services/search/search_index.h"
#include "services/submissions/submissions_service.h"
#include "services/users/users_service.h"
#include "storage/blob_store.h"
#include "storage/database.h"

namespace openlabs::app {

// Every service of the platform wired together in one process, on one database and one blob
// store. Members are declared in dependency order, so destruction runs in reverse.
struct Platform {
  Config config;  // the settings the services were built with
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<storage::BlobStore> blobs;
  std::unique_ptr<users::UsersService> users;
  std::unique_ptr<auth::AuthService> auth;
  std::unique_ptr<search::SearchIndex> search;
  // What labs and articles write to: the search index, plus assistant index jobs.
  std::unique_ptr<IndexChangeFanout> indexed_content;
  std::unique_ptr<articles::ArticlesService> articles;
  // Labs and submissions depend on each other through these adapters; see StartPlatform.
  std::unique_ptr<SubmissionCounterAdapter> submission_counter;
  std::unique_ptr<labs::LabsService> labs;
  std::unique_ptr<LabDirectoryAdapter> lab_directory;
  // Lets submissions attach notebook copies; the notebooks service is attached once built.
  std::unique_ptr<NotebookCopiesAdapter> notebook_copies;
  // Tells submissions whether grading started; the grading service is attached once built.
  std::unique_ptr<GradingRecordAdapter> grading_record;
  // The submissions service itself; `submissions` wraps it to queue grading jobs.
  std::unique_ptr<submissions::SubmissionsService> submissions_core;
  std::unique_ptr<GradingDirectoryAdapter> grading_directory;
  std::unique_ptr<grading::GradingService> grading;
  std::unique_ptr<submissions::SubmissionsService> submissions;
  std::unique_ptr<feedback::ReviewsService> reviews;
  std::unique_ptr<CommentTargetsAdapter> comment_targets;
  std::unique_ptr<feedback::CommentsService> comments;
  std::unique_ptr<NotebookParentsAdapter> notebook_parents;
  // Python's parser in a sandbox, for the cells the notebooks service stores; null when the
  // kernel directory was not found.
  std::unique_ptr<notebooks::CellSyntaxChecker> cell_syntax_checker;
  std::unique_ptr<notebooks::NotebooksService> notebooks;
  AssistantParts assistant;
  // Live notebook sessions; only `serve` starts them (StartNotebookSessions).
  std::unique_ptr<notebooks::SessionManager> notebook_sessions;
  std::unique_ptr<recommendations::RecommendationsService> recommendations;
};

// Opens the database and applies every service's migrations.
Result<std::unique_ptr<storage::Database>> OpenDatabase(const Config& config);

// Opens the blob store: the S3 bucket of config.blob_url, or the folder <data_dir>/blobs.
Result<std::unique_ptr<storage::BlobStore>> OpenBlobStore(const Config& config);

// Opens storage, migrates, and builds the services.
Result<Platform> StartPlatform(const Config& config);

// Starts the background work of a serving process: the assistant's index worker and the
// search index's champion list builds.
void StartBackgroundWork(Platform& platform);
// Starts the notebook session manager and its pool of kernels, with the [notebooks] settings.
Status StartNotebookSessions(Platform& platform);

// The router with the REST routes of every service.
gateway::Router BuildRouter(Platform& platform);

}  // namespace openlabs::app
