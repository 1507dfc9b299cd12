#include "services/labs/lab_rows.h"

#include "services/labs/labs_service.h"

namespace openlabs::labs {
namespace {

constexpr const char* kAssetColumns =
    "id, lab_id, path, filename, content_type, size, sha256, blob_key, created_at";

// Binds every lab column, in the order of the SELECT lists below, to `row`.
template <typename Statement>
void IntoLab(Statement&& statement, LabRow& row) {
  statement, soci::into(row.id), soci::into(row.title), soci::into(row.description),
      soci::into(row.body), soci::into(row.author_id), soci::into(row.status),
      soci::into(row.views), soci::into(row.submission_count),
      soci::into(row.source_key, row.source_key_indicator), soci::into(row.source_sha256),
      soci::into(row.created_at), soci::into(row.updated_at);
}

template <typename Statement>
void IntoAsset(Statement&& statement, AssetRow& row) {
  statement, soci::into(row.id), soci::into(row.lab_id), soci::into(row.path),
      soci::into(row.filename), soci::into(row.content_type), soci::into(row.size),
      soci::into(row.sha256), soci::into(row.blob_key), soci::into(row.created_at);
}

}  // namespace

v1::Lab LabRow::ToProto() const {
  v1::Lab lab;
  lab.set_id(id);
  lab.set_title(title);
  lab.set_description(description);
  lab.set_body(body);
  lab.set_author_id(author_id);
  lab.set_status(status);
  lab.set_views(views);
  lab.set_submission_count(submission_count);
  if (source_key_indicator == soci::i_ok) {
    lab.set_source_key(source_key);
  }
  lab.set_created_at(created_at);
  lab.set_updated_at(updated_at);
  return lab;
}

v1::LabAsset AssetRow::ToProto() const {
  v1::LabAsset asset;
  asset.set_id(id);
  asset.set_lab_id(lab_id);
  asset.set_path(path);
  asset.set_filename(filename);
  asset.set_content_type(content_type);
  asset.set_size(size);
  asset.set_sha256(sha256);
  asset.set_created_at(created_at);
  asset.set_url(AssetUrl(lab_id, id));
  return asset;
}

std::string SqlParams::Add(std::string value) {
  std::string name = "p" + std::to_string(next_++);
  texts_.emplace_back(name, std::move(value));
  return ":" + name;
}

std::string SqlParams::Add(long long value) {
  std::string name = "p" + std::to_string(next_++);
  integers_.emplace_back(name, value);
  return ":" + name;
}

void SqlParams::BindTo(soci::details::prepare_temp_type& statement) {
  for (const auto& [name, value] : texts_) {
    statement, soci::use(value, name);
  }
  for (const auto& [name, value] : integers_) {
    statement, soci::use(value, name);
  }
}

std::string IdList(const std::vector<long long>& ids) {
  std::string list;
  for (const long long id : ids) {
    if (!list.empty()) {
      list.push_back(',');
    }
    list += std::to_string(id);
  }
  return list;
}

std::optional<LabRow> LoadLab(soci::session& session, long long id) {
  LabRow row;
  IntoLab((session << "SELECT id, title, description, body, author_id, status, views, "
                      "submission_count, source_key, source_sha256, created_at, updated_at "
                      "FROM labs WHERE id = :id",
           soci::use(id)),
          row);
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row;
}

std::map<long long, LabRow> LoadLabSummaries(soci::session& session,
                                             const std::vector<long long>& ids) {
  std::map<long long, LabRow> labs;
  if (ids.empty()) {
    return labs;
  }
  LabRow row;
  soci::details::prepare_temp_type prepared =
      (session.prepare << "SELECT id, title, description, CAST('' AS TEXT), author_id, status, "
                          "views, submission_count, source_key, source_sha256, created_at, "
                          "updated_at FROM labs WHERE id IN (" +
                              IdList(ids) + ")");
  IntoLab(prepared, row);
  soci::statement select(prepared);
  select.execute();
  while (select.fetch()) {
    labs[row.id] = row;
  }
  return labs;
}

std::map<long long, std::vector<std::string>> LoadTags(soci::session& session,
                                                       const std::vector<long long>& ids) {
  std::map<long long, std::vector<std::string>> tags;
  if (ids.empty()) {
    return tags;
  }
  long long lab_id = 0;
  std::string tag;
  soci::statement select =
      (session.prepare << "SELECT lab_id, tag FROM lab_tags WHERE lab_id IN (" + IdList(ids) +
                              ") ORDER BY lab_id, position",
       soci::into(lab_id), soci::into(tag));
  select.execute();
  while (select.fetch()) {
    tags[lab_id].push_back(tag);
  }
  return tags;
}

void ReplaceTags(soci::session& session, long long lab_id, const std::vector<std::string>& tags) {
  std::map<std::string, int> stored;  // tag to position
  std::string tag;
  int position = 0;
  soci::statement select =
      (session.prepare << "SELECT tag, position FROM lab_tags WHERE lab_id = :id",
       soci::use(lab_id), soci::into(tag), soci::into(position));
  select.execute();
  while (select.fetch()) {
    stored.emplace(tag, position);
  }
  std::map<std::string, int> requested;
  for (size_t i = 0; i < tags.size(); ++i) {
    requested.emplace(tags[i], static_cast<int>(i));
  }

  // One pass over both maps in byte order of the tags: delete, insert or move each.
  auto old_tag = stored.begin();
  auto new_tag = requested.begin();
  while (old_tag != stored.end() || new_tag != requested.end()) {
    if (new_tag == requested.end() || (old_tag != stored.end() && old_tag->first < new_tag->first)) {
      session << "DELETE FROM lab_tags WHERE lab_id = :lab_id AND tag = :tag", soci::use(lab_id),
          soci::use(old_tag->first);
      ++old_tag;
    } else if (old_tag == stored.end() || new_tag->first < old_tag->first) {
      session << "INSERT INTO lab_tags (lab_id, tag, position) VALUES (:lab_id, :tag, :position)",
          soci::use(lab_id), soci::use(new_tag->first), soci::use(new_tag->second);
      ++new_tag;
    } else {
      if (old_tag->second != new_tag->second) {
        session << "UPDATE lab_tags SET position = :position WHERE lab_id = :lab_id AND tag = :tag",
            soci::use(new_tag->second), soci::use(lab_id), soci::use(new_tag->first);
      }
      ++old_tag;
      ++new_tag;
    }
  }
}

std::vector<AssetRow> LoadAssets(soci::session& session, long long lab_id) {
  std::vector<AssetRow> assets;
  AssetRow row;
  soci::details::prepare_temp_type prepared =
      (session.prepare << std::string("SELECT ") + kAssetColumns +
                              " FROM lab_assets WHERE lab_id = :lab_id ORDER BY path",
       soci::use(lab_id));
  IntoAsset(prepared, row);
  soci::statement select(prepared);
  select.execute();
  while (select.fetch()) {
    assets.push_back(row);
  }
  return assets;
}

std::optional<AssetRow> LoadAsset(soci::session& session, long long lab_id,
                                  const std::string& asset_id, const std::string& path) {
  AssetRow row;
  if (!asset_id.empty()) {
    IntoAsset((session << std::string("SELECT ") + kAssetColumns +
                              " FROM lab_assets WHERE lab_id = :lab_id AND id = :id",
               soci::use(lab_id), soci::use(asset_id)),
              row);
  } else {
    IntoAsset((session << std::string("SELECT ") + kAssetColumns +
                              " FROM lab_assets WHERE lab_id = :lab_id AND path = :path",
               soci::use(lab_id), soci::use(path)),
              row);
  }
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row;
}

LabByIdQueries::LabByIdQueries(soci::session& session)
    : lab_by_id_(session),
      tags_((session.prepare << "SELECT tag FROM lab_tags WHERE lab_id = :id ORDER BY position",
             soci::use(id_, "id"), soci::into(tag_))),
      assets_(session) {
  soci::details::prepare_temp_type lab =
      (session.prepare << "SELECT id, title, description, body, author_id, status, views, "
                          "submission_count, source_key, source_sha256, created_at, updated_at "
                          "FROM labs WHERE id = :id",
       soci::use(id_, "id"));
  IntoLab(lab, lab_);
  lab_by_id_ = soci::statement(lab);
  soci::details::prepare_temp_type assets =
      (session.prepare << std::string("SELECT ") + kAssetColumns +
                              " FROM lab_assets WHERE lab_id = :id ORDER BY path",
       soci::use(id_, "id"));
  IntoAsset(assets, asset_);
  assets_ = soci::statement(assets);
}

std::optional<LabRow> LabByIdQueries::LoadLab(long long id) {
  id_ = id;
  std::optional<LabRow> found;
  if (lab_by_id_.execute(true)) {
    found = lab_;
    // Ids are unique, so this only runs the statement to its end.
    while (lab_by_id_.fetch()) {
    }
  }
  return found;
}

std::vector<std::string> LabByIdQueries::LoadTags(long long id) {
  id_ = id;
  std::vector<std::string> tags;
  tags_.execute();
  while (tags_.fetch()) {
    tags.push_back(tag_);
  }
  return tags;
}

std::vector<AssetRow> LabByIdQueries::LoadAssets(long long id) {
  id_ = id;
  std::vector<AssetRow> assets;
  assets_.execute();
  while (assets_.fetch()) {
    assets.push_back(asset_);
  }
  return assets;
}

void InsertAsset(soci::session& session, const AssetRow& row) {
  session << "INSERT INTO lab_assets (id, lab_id, path, filename, content_type, size, sha256, "
             "blob_key, created_at) VALUES (:id, :lab_id, :path, :filename, :content_type, "
             ":size, :sha256, :blob_key, :created_at)",
      soci::use(row.id), soci::use(row.lab_id), soci::use(row.path), soci::use(row.filename),
      soci::use(row.content_type), soci::use(row.size), soci::use(row.sha256),
      soci::use(row.blob_key), soci::use(row.created_at);
}

}  // namespace openlabs::labs
