#include "services/labs/lab_export.h"

#include <map>
#include <string>
#include <vector>

#include "services/labs/lab_rows.h"

namespace openlabs::labs {
namespace {

constexpr int kMaxExportLimit = 5000;
constexpr int kMaxExportBodyChars = 1 << 20;

Status CheckExportRequest(const v1::ExportLabsRequest& request) {
  std::vector<FieldViolation> problems;
  if (request.after_id() < 0) {
    problems.push_back({"after_id", "must be 0 or a lab id"});
  }
  if (request.limit() < 1 || request.limit() > kMaxExportLimit) {
    problems.push_back({"limit", "must be from 1 to 5000"});
  }
  if (request.max_body_chars() < 0 || request.max_body_chars() > kMaxExportBodyChars) {
    problems.push_back({"max_body_chars", "must be from 0 to 1048576"});
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return {};
}

}  // namespace

Result<v1::ExportLabsResponse> ExportLabs(storage::Database& database,
                                          const v1::ExportLabsRequest& request) {
  if (Status valid = CheckExportRequest(request); !valid) {
    return Fail(valid.error());
  }
  return database.WithSession<v1::ExportLabsResponse>(
      [&](soci::session& session) -> Result<v1::ExportLabsResponse> {
        v1::ExportLabsResponse response;
        // The limits are validated integers, so they are written into the SQL text.
        const long long after_id = request.after_id();
        LabRow row;
        soci::statement labs =
            (session.prepare << "SELECT id, title, description, substr(body, 1, " +
                                    std::to_string(request.max_body_chars()) +
                                    "), author_id, status, views, submission_count, created_at, "
                                    "updated_at FROM labs WHERE status = 'published' AND id > "
                                    ":after_id ORDER BY id LIMIT " +
                                    std::to_string(request.limit()),
             soci::use(after_id), soci::into(row.id), soci::into(row.title),
             soci::into(row.description), soci::into(row.body), soci::into(row.author_id),
             soci::into(row.status), soci::into(row.views), soci::into(row.submission_count),
             soci::into(row.created_at), soci::into(row.updated_at));
        labs.execute();
        std::map<long long, v1::Lab*> by_id;
        while (labs.fetch()) {
          v1::Lab* lab = response.add_items();
          *lab = row.ToProto();
          by_id[row.id] = lab;
        }
        if (by_id.empty()) {
          return response;
        }

        // One query for the tags of the whole page. Its id range also contains archived labs,
        // whose tags are skipped.
        const long long last_id = by_id.rbegin()->first;
        long long lab_id = 0;
        std::string tag;
        soci::statement tags =
            (session.prepare << "SELECT lab_id, tag FROM lab_tags WHERE lab_id > :after_id AND "
                                "lab_id <= :last_id ORDER BY lab_id, position",
             soci::use(after_id), soci::use(last_id), soci::into(lab_id), soci::into(tag));
        tags.execute();
        while (tags.fetch()) {
          if (auto found = by_id.find(lab_id); found != by_id.end()) {
            found->second->add_tags(tag);
          }
        }
        if (response.items_size() == request.limit()) {
          response.set_next_after_id(last_id);
        }
        return response;
      });
}

Result<v1::LabsVersion> GetLabsVersion(storage::Database& database) {
  return database.WithSession<v1::LabsVersion>(
      [](soci::session& session) -> Result<v1::LabsVersion> {
        long long count = 0;
        long long newest = 0;
        session << "SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM labs", soci::into(count),
            soci::into(newest);
        v1::LabsVersion version;
        version.set_version(std::to_string(count) + "," + std::to_string(newest));
        return version;
      });
}

}  // namespace openlabs::labs
