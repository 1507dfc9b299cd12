#include "app/grading_adapters.h"

#include <spdlog/spdlog.h>

#include <limits>

#include "services/assistant/model_client.h"

namespace openlabs::app {
namespace {

// The grading machinery reads submissions with a moderator's rights. The id -1 belongs to no
// user, so the machinery is never taken for a submission's learner.
CallContext GradingMachinery() {
  CallContext context;
  context.user_id = -1;
  context.username = "grading";
  context.role = "admin";
  return context;
}

}  // namespace

Result<bool> GradingRecordAdapter::GradingStarted(int64_t submission_id) {
  if (grading_ == nullptr) {
    return Fail({ErrorCode::kUnavailable,
                 "The grading service is not running.",
                 {},
                 "GradingRecordAdapter used before Attach"});
  }
  return grading_->GradingStarted(submission_id);
}

Result<int64_t> GradingDirectoryAdapter::GetLabAuthor(int64_t lab_id) {
  Result<submissions::LabSummary> lab = labs_.GetLab(lab_id);
  if (!lab) {
    return Fail(lab.error());
  }
  return lab->author_id;
}

Result<grading::LabText> GradingDirectoryAdapter::GetLabText(int64_t lab_id) {
  v1::GetLabRequest get;
  get.set_id(lab_id);
  Result<v1::Lab> lab = lab_texts_.GetLab(get);
  if (!lab) {
    return Fail(lab.error());
  }
  return grading::LabText{lab->title(), lab->description(), lab->body()};
}

Result<grading::SubmissionSnapshot> GradingDirectoryAdapter::GetSubmission(int64_t submission_id) {
  const CallContext machinery = GradingMachinery();
  v1::GetSubmissionRequest get;
  get.set_id(submission_id);
  Result<v1::Submission> submission = submissions_.GetSubmission(get, machinery);
  if (!submission) {
    return Fail(submission.error());
  }
  grading::SubmissionSnapshot snapshot;
  snapshot.id = submission->id();
  snapshot.lab_id = submission->lab_id();
  snapshot.learner_id = submission->learner_id();
  snapshot.created_at = submission->created_at();
  snapshot.text = submission->text();
  for (const v1::SubmissionFile& file : submission->files()) {
    v1::GetSubmissionFileRequest get_file;
    get_file.set_submission_id(submission_id);
    get_file.set_file_id(file.id());
    Result<v1::StoredFile> stored = submissions_.GetSubmissionFile(get_file, machinery);
    if (!stored) {
      return Fail(stored.error());
    }
    snapshot.files.push_back({stored->filename(), stored->blob_key(), stored->size()});
  }
  return snapshot;
}

Result<std::vector<int64_t>> GradingDirectoryAdapter::ListLabSubmissions(int64_t lab_id,
                                                                         int limit) {
  return ListLabSubmissionsSince(lab_id, std::numeric_limits<int64_t>::min(), limit);
}

Result<std::vector<int64_t>> GradingDirectoryAdapter::ListLabSubmissionsSince(
    int64_t lab_id, int64_t since_millis, int limit) {
  const CallContext machinery = GradingMachinery();
  std::vector<int64_t> ids;
  for (int page = 1; static_cast<int>(ids.size()) < limit; ++page) {
    v1::ListSubmissionsRequest list;
    list.set_lab_id(lab_id);
    list.set_page(page);
    list.set_limit(100);
    Result<v1::ListSubmissionsResponse> listed = submissions_.ListForLab(list, machinery);
    if (!listed) {
      return Fail(listed.error());
    }
    // The list is newest first, so the first older submission ends the walk.
    for (const v1::Submission& submission : listed->items()) {
      if (submission.created_at() < since_millis || static_cast<int>(ids.size()) >= limit) {
        return ids;
      }
      ids.push_back(submission.id());
    }
    if (listed->items_size() < 100) {
      break;
    }
  }
  return ids;
}

Result<grading::SubmissionAccess> GradingDirectoryAdapter::GetAccess(int64_t submission_id,
                                                                     const CallContext& caller) {
  v1::GetSubmissionRequest get;
  get.set_id(submission_id);
  Result<v1::SubmissionAccess> access = submissions_.GetAccess(get, caller);
  if (!access) {
    return Fail(access.error());
  }
  return grading::SubmissionAccess{access->lab_id(), access->learner_id(), access->lab_author_id(),
                                   access->can_read()};
}

grading::RubricModel MakeRubricModel(const Config& config) {
  const assistant::ModelEndpoint endpoint{config.assistant_chat_base_url,
                                          config.assistant_chat_model,
                                          config.assistant_chat_api_key,
                                          config.assistant_model_timeout_seconds};
  grading::RubricModel model;
  if (!endpoint.configured()) {
    return model;
  }
  model.name = endpoint.model;
  model.complete = [endpoint](const std::vector<grading::ModelTurn>& turns) {
    std::vector<assistant::ChatMessage> messages;
    for (const grading::ModelTurn& turn : turns) {
      messages.push_back({turn.role, turn.content});
    }
    return assistant::CreateChatCompletion(endpoint, messages, true);
  };
  return model;
}

Result<v1::Submission> GradedSubmissionsService::CreateSubmission(
    const v1::CreateSubmissionRequest& request, const CallContext& context) {
  Result<v1::Submission> created = inner_.CreateSubmission(request, context);
  if (!created) {
    return created;
  }
  if (Status queued = grading_.SubmissionCreated(created->id(), created->lab_id()); !queued) {
    spdlog::error("grading: cannot queue the grading of submission {}: {}", created->id(),
                  queued.error().internal);
  }
  return created;
}

}  // namespace openlabs::app
