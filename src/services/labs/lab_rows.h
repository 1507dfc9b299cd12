#pragma once

// SQL access to the labs tables, shared by the parts of the labs service. Internal.

#include <soci/soci.h>

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "openlabs/v1/labs.pb.h"

namespace openlabs::labs {

// One row of the labs table, read with typed into() so that it works on both engines.
struct LabRow {
  long long id = 0;
  std::string title;
  std::string description;
  std::string body;
  long long author_id = 0;
  std::string status;
  long long views = 0;
  long long submission_count = 0;
  std::string source_key;
  soci::indicator source_key_indicator = soci::i_null;
  std::string source_sha256;
  long long created_at = 0;
  long long updated_at = 0;

  v1::Lab ToProto() const;
};

struct AssetRow {
  std::string id;
  long long lab_id = 0;
  std::string path;
  std::string filename;
  std::string content_type;
  long long size = 0;
  std::string sha256;
  std::string blob_key;
  long long created_at = 0;

  v1::LabAsset ToProto() const;
};

// Named parameters of a statement built at run time. Placeholders are unique (":p0", ":p1"…),
// as SOCI on PostgreSQL requires, and the values live as long as this object.
class SqlParams {
 public:
  std::string Add(std::string value);
  std::string Add(long long value);
  void BindTo(soci::details::prepare_temp_type& statement);

 private:
  std::deque<std::pair<std::string, std::string>> texts_;
  std::deque<std::pair<std::string, long long>> integers_;
  int next_ = 0;
};

// "1,2,3": ids inlined into an IN list. Safe because they are integers, not client text.
std::string IdList(const std::vector<long long>& ids);

std::optional<LabRow> LoadLab(soci::session& session, long long id);

// Labs by id without their bodies, keyed by id.
std::map<long long, LabRow> LoadLabSummaries(soci::session& session,
                                             const std::vector<long long>& ids);

// Tags of each lab, in the order the author gave them.
std::map<long long, std::vector<std::string>> LoadTags(soci::session& session,
                                                       const std::vector<long long>& ids);

// Sets the lab's tags to `tags` (distinct, in the author's order). Rows of tags that stay are
// kept, so the triggers of lab_tag_counts leave their counts alone. Rows change in byte order of
// the tags, so that two calls lock the shared count rows in the same order.
void ReplaceTags(soci::session& session, long long lab_id, const std::vector<std::string>& tags);

std::vector<AssetRow> LoadAssets(soci::session& session, long long lab_id);

std::optional<AssetRow> LoadAsset(soci::session& session, long long lab_id,
                                  const std::string& asset_id, const std::string& path);

void InsertAsset(soci::session& session, const AssetRow& row);

// The statements that read one lab with its tags and assets, prepared once per pooled
// connection (see storage::Database::WithPrepared). Each method runs its statement to the end.
class LabByIdQueries {
 public:
  explicit LabByIdQueries(soci::session& session);
  LabByIdQueries(const LabByIdQueries&) = delete;
  LabByIdQueries& operator=(const LabByIdQueries&) = delete;

  std::optional<LabRow> LoadLab(long long id);
  std::vector<std::string> LoadTags(long long id);
  std::vector<AssetRow> LoadAssets(long long id);

 private:
  long long id_ = 0;
  LabRow lab_;
  std::string tag_;
  AssetRow asset_;
  soci::statement lab_by_id_;
  soci::statement tags_;
  soci::statement assets_;
};

}  // namespace openlabs::labs
