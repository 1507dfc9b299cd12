#include "services/submissions/submission_export.h"

#include <map>
#include <string>
#include <vector>

namespace openlabs::submissions {
namespace {

constexpr int kMaxExportLimit = 5000;
constexpr int kMaxExportTextChars = 100'000;

Status CheckExportRequest(const v1::ExportSubmissionsRequest& request) {
  std::vector<FieldViolation> problems;
  if (request.after_id() < 0) {
    problems.push_back({"after_id", "must be 0 or a submission id"});
  }
  if (request.limit() < 1 || request.limit() > kMaxExportLimit) {
    problems.push_back({"limit", "must be from 1 to 5000"});
  }
  if (request.max_text_chars() < 0 || request.max_text_chars() > kMaxExportTextChars) {
    problems.push_back({"max_text_chars", "must be from 0 to 100000"});
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return {};
}

}  // namespace

Result<v1::ExportSubmissionsResponse> ExportSubmissions(
    storage::Database& database, const v1::ExportSubmissionsRequest& request) {
  if (Status valid = CheckExportRequest(request); !valid) {
    return Fail(valid.error());
  }
  return database.WithSession<v1::ExportSubmissionsResponse>(
      [&](soci::session& session) -> Result<v1::ExportSubmissionsResponse> {
        v1::ExportSubmissionsResponse response;
        const long long after_id = request.after_id();
        long long id = 0;
        long long lab_id = 0;
        long long learner_id = 0;
        std::string status;
        std::string text;
        // The limits are validated integers, so they are written into the SQL text.
        soci::statement submissions =
            (session.prepare << "SELECT id, lab_id, learner_id, status, substr(text, 1, " +
                                    std::to_string(request.max_text_chars()) +
                                    ") FROM submissions WHERE status <> 'withdrawn' AND id > "
                                    ":after_id ORDER BY id LIMIT " +
                                    std::to_string(request.limit()),
             soci::use(after_id), soci::into(id), soci::into(lab_id), soci::into(learner_id),
             soci::into(status), soci::into(text));
        submissions.execute();
        std::map<long long, v1::SubmissionActivity*> by_id;
        while (submissions.fetch()) {
          v1::SubmissionActivity* item = response.add_items();
          item->set_id(id);
          item->set_lab_id(lab_id);
          item->set_learner_id(learner_id);
          item->set_status(status);
          item->set_text(text);
          by_id[id] = item;
        }
        if (by_id.empty()) {
          return response;
        }

        // One query for the verdicts of the whole page.
        const long long last_id = by_id.rbegin()->first;
        long long submission_id = 0;
        long long reviewer_id = 0;
        soci::statement verdicts =
            (session.prepare << "SELECT submission_id, reviewer_id FROM submission_verdicts "
                                "WHERE submission_id > :after_id AND submission_id <= :last_id "
                                "ORDER BY id",
             soci::use(after_id), soci::use(last_id), soci::into(submission_id),
             soci::into(reviewer_id));
        verdicts.execute();
        while (verdicts.fetch()) {
          if (auto found = by_id.find(submission_id); found != by_id.end()) {
            found->second->add_reviewer_ids(reviewer_id);
          }
        }
        if (response.items_size() == request.limit()) {
          response.set_next_after_id(last_id);
        }
        return response;
      });
}

Result<v1::SubmissionsVersion> GetSubmissionsVersion(storage::Database& database) {
  return database.WithSession<v1::SubmissionsVersion>(
      [](soci::session& session) -> Result<v1::SubmissionsVersion> {
        long long count = 0;
        long long newest = 0;
        long long verdicts = 0;
        session << "SELECT (SELECT COUNT(*) FROM submissions), (SELECT COALESCE(MAX(updated_at), "
                   "0) FROM submissions), (SELECT COUNT(*) FROM submission_verdicts)",
            soci::into(count), soci::into(newest), soci::into(verdicts);
        v1::SubmissionsVersion version;
        version.set_version(std::to_string(count) + "," + std::to_string(newest) + "," +
                            std::to_string(verdicts));
        return version;
      });
}

}  // namespace openlabs::submissions
