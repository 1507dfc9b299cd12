#include "services/labs/labs_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "common/clock.h"
#include "common/random.h"
#include "services/labs/content_type.h"
#include "services/labs/lab_export.h"
#include "services/labs/lab_list.h"
#include "services/labs/lab_rows.h"
#include "services/labs/markdown_text.h"
#include "services/labs/validation.h"
#include "services/labs/view_counts.h"
#include "services/search/search_index.h"

namespace openlabs::labs {
namespace {

using storage::Database;

constexpr size_t kMaxFilenameLength = 255;
constexpr size_t kMaxSourceKeyLength = 1024;
// The version of the text that IndexLab makes of a lab (see SearchIndex::TextVersion). 1: the
// body as the text of its Markdown (MarkdownToText); before, the Markdown itself.
constexpr int kSearchTextVersion = 1;
// Labs read per page when the index is rebuilt. Each can have a body of 1 MiB.
constexpr int kReindexPageSize = 100;

Error LabNotFound() { return Error::NotFound("The lab does not exist."); }

Error AssetNotFound() { return Error::NotFound("The asset does not exist in this lab."); }

// Only the author, moderators and admins change a lab or its assets.
Status CheckCanEdit(const CallContext& context, long long author_id, std::string_view action) {
  if (!context.authenticated()) {
    return Fail(Error::Unauthenticated("Sign in to " + std::string(action) + "."));
  }
  if (context.user_id != author_id && !context.is_moderator()) {
    return Fail(Error::PermissionDenied("Only the lab's author or a moderator can " +
                                        std::string(action) + "."));
  }
  return {};
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<FieldViolation> CheckLabFields(const std::string* title, const std::string* description,
                                           const std::string* body) {
  std::vector<FieldViolation> problems;
  if (title != nullptr) {
    CheckText("title", *title, kMaxTitleLength, false, true, problems);
  }
  if (description != nullptr) {
    CheckText("description", *description, kMaxDescriptionLength, true, false, problems);
  }
  if (body != nullptr) {
    if (body->size() > kMaxBodyBytes) {
      problems.push_back(
          {"body", "must be at most 1 MiB (1048576 bytes), got " + std::to_string(body->size())});
    } else {
      CheckText("body", *body, kMaxBodyBytes, true, false, problems);
    }
  }
  return problems;
}

// The validated asset rows of an AddAssets request, before they are inserted.
Result<std::vector<AssetRow>> PrepareAssets(const v1::AddAssetsRequest& request) {
  std::vector<AssetRow> rows;
  std::set<std::string> paths;
  const long long now = NowMillis();
  for (const v1::NewLabAsset& asset : request.assets()) {
    std::vector<FieldViolation> problems;
    CheckText("filename", asset.filename(), kMaxFilenameLength, false, true, problems);
    if (!storage::IsValidBlobKey(asset.blob_key()) || asset.size() < 0 ||
        !IsSha256Hex(asset.sha256())) {
      return Fail(Error::Internal("invalid stored file for asset " + asset.filename()));
    }
    Result<std::string> path =
        NormalizeAssetPath(asset.path().empty() ? asset.filename() : asset.path());
    if (!path) {
      problems.insert(problems.end(), path.error().details.begin(), path.error().details.end());
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    if (!paths.insert(*path).second) {
      return Fail(Error::Validation({{"path", "\"" + *path + "\" is given twice"}}));
    }
    AssetRow row;
    row.id = NewUuid();
    row.lab_id = request.lab_id();
    row.path = *path;
    row.filename = asset.filename();
    row.content_type = DetectContentType(asset.head(), *path);
    row.size = asset.size();
    row.sha256 = asset.sha256();
    row.blob_key = asset.blob_key();
    row.created_at = now;
    rows.push_back(std::move(row));
  }
  return rows;
}

class SqlLabsService final : public LabsService {
 public:
  SqlLabsService(Database& database, storage::BlobStore& blobs, search::SearchIndex* search,
                 SubmissionCounter& submissions)
      : database_(database), blobs_(blobs), search_(search), submissions_(submissions) {
    IndexLabsOfOldTextVersion();
  }

  // Writes the views still counted.
  ~SqlLabsService() override { view_writer_.Stop(); }

  Result<v1::Lab> CreateLab(const v1::CreateLabRequest& request,
                            const CallContext& context) override {
    return InsertCheckedLab(request, {}, context);
  }

  Result<v1::Lab> ImportLab(const v1::ImportLabRequest& request,
                            const CallContext& context) override {
    return InsertCheckedLab(request.lab(), request, context);
  }

  Result<v1::Lab> GetLab(const v1::GetLabRequest& request) override {
    // One read transaction for the lab, its tags and its assets, so that they agree with each
    // other, where three autocommit statements would each take a snapshot of their own.
    Result<v1::Lab> lab =
        database_.InReadTransaction<v1::Lab>([&](soci::session& session) -> Result<v1::Lab> {
          return LoadFullLab(session, request.id());
        });
    if (lab && request.count_view()) {
      if (pending_views_.Add(lab->id())) {
        view_writer_.Notify();
      }
      lab->set_views(lab->views() + 1);
    }
    return lab;
  }

  Result<v1::Lab> UpdateLab(const v1::UpdateLabRequest& request,
                            const CallContext& context) override {
    std::vector<FieldViolation> problems =
        CheckLabFields(request.has_title() ? &request.title() : nullptr,
                       request.has_description() ? &request.description() : nullptr,
                       request.has_body() ? &request.body() : nullptr);
    Result<std::vector<std::string>> tags =
        NormalizeTags({request.tags().begin(), request.tags().end()});
    if (!tags) {
      problems.insert(problems.end(), tags.error().details.begin(), tags.error().details.end());
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }

    Result<v1::Lab> updated =
        database_.InTransaction<v1::Lab>([&](soci::session& session) -> Result<v1::Lab> {
          std::optional<LabRow> row = LoadLab(session, request.id());
          if (!row) {
            return Fail(LabNotFound());
          }
          if (Status allowed = CheckCanEdit(context, row->author_id, "edit this lab"); !allowed) {
            return Fail(allowed.error());
          }
          const std::string& title = request.has_title() ? request.title() : row->title;
          const std::string& description =
              request.has_description() ? request.description() : row->description;
          const std::string& body = request.has_body() ? request.body() : row->body;
          const long long now = NowMillis();
          session << "UPDATE labs SET title = :title, description = :description, "
                     "body = :body, updated_at = :now WHERE id = :id",
              soci::use(title), soci::use(description), soci::use(body), soci::use(now),
              soci::use(row->id);
          if (request.replace_tags()) {
            ReplaceTags(session, row->id, *tags);
          }
          return LoadFullLab(session, row->id);
        });
    if (updated && updated->status() == "published") {
      [[maybe_unused]] Status indexed = IndexLab(*updated);
    }
    return updated;
  }

  Result<v1::DeleteLabResponse> DeleteLab(const v1::DeleteLabRequest& request,
                                          const CallContext& context) override {
    Result<v1::Lab> lab = GetLab(MakeGetRequest(request.id()));
    if (!lab) {
      return Fail(lab.error());
    }
    if (Status allowed = CheckCanEdit(context, lab->author_id(), "delete this lab"); !allowed) {
      return Fail(allowed.error());
    }
    Result<int64_t> submissions = submissions_.CountForLab(lab->id());
    if (!submissions) {
      return Fail(submissions.error());
    }

    const bool archive = *submissions > 0 || lab->submission_count() > 0;
    Result<v1::DeleteLabResponse> deleted = archive ? Archive(lab->id()) : Destroy(lab->id());
    if (deleted) {
      spdlog::info("user id={} {} lab id={}", context.user_id, archive ? "archived" : "deleted",
                   lab->id());
      RemoveFromIndex(lab->id());
    }
    return deleted;
  }

  Result<v1::ListLabsResponse> ListLabs(const v1::ListLabsRequest& request) override {
    // The list sorts by the stored views, which lag the counted ones by up to a second
    // (PendingViews::kMaxAge), but shows the counted ones too.
    Result<v1::ListLabsResponse> page = labs::ListLabs(database_, search_, request);
    if (page) {
      for (v1::Lab& lab : *page->mutable_items()) {
        lab.set_views(lab.views() + pending_views_.Count(lab.id()));
      }
    }
    return page;
  }

  Result<v1::ListTagsResponse> ListTags(const v1::ListTagsRequest& request) override {
    const long long limit = request.limit() <= 0 ? 100 : std::min(request.limit(), 1000);
    return database_.WithSession<v1::ListTagsResponse>(
        [&](soci::session& session) -> Result<v1::ListTagsResponse> {
          v1::ListTagsResponse response;
          std::string tag;
          long long count = 0;
          soci::statement select =
              (session.prepare << "SELECT tag, labs FROM lab_tag_counts "
                                  "ORDER BY labs DESC, tag LIMIT :limit",
               soci::use(limit), soci::into(tag), soci::into(count));
          select.execute();
          while (select.fetch()) {
            v1::Tag* item = response.add_items();
            item->set_name(tag);
            item->set_count(count);
          }
          return response;
        });
  }

  Result<v1::AddAssetsResponse> AddAssets(const v1::AddAssetsRequest& request,
                                          const CallContext& context) override {
    if (request.assets().empty()) {
      return Fail(Error::Validation({{"files", "must contain at least one file"}}));
    }
    Result<std::vector<AssetRow>> rows = PrepareAssets(request);
    if (!rows) {
      return Fail(rows.error());
    }
    return database_.InTransaction<v1::AddAssetsResponse>(
        [&](soci::session& session) -> Result<v1::AddAssetsResponse> {
          return InsertAssets(session, request.lab_id(), *rows, context);
        });
  }

  Result<v1::ListAssetsResponse> ListAssets(const v1::ListAssetsRequest& request) override {
    return database_.WithSession<v1::ListAssetsResponse>(
        [&](soci::session& session) -> Result<v1::ListAssetsResponse> {
          if (!LoadLab(session, request.lab_id())) {
            return Fail(LabNotFound());
          }
          v1::ListAssetsResponse response;
          for (const AssetRow& row : LoadAssets(session, request.lab_id())) {
            *response.add_items() = row.ToProto();
          }
          return response;
        });
  }

  Result<v1::AssetBlob> GetAsset(const v1::GetAssetRequest& request) override {
    std::string path;
    if (request.asset_id().empty()) {
      Result<std::string> normalized = NormalizeAssetPath(request.path());
      if (!normalized) {
        return Fail(normalized.error());
      }
      path = std::move(*normalized);
    }
    return database_.WithSession<v1::AssetBlob>(
        [&](soci::session& session) -> Result<v1::AssetBlob> {
          std::optional<AssetRow> row =
              LoadAsset(session, request.lab_id(), request.asset_id(), path);
          if (!row) {
            return Fail(LoadLab(session, request.lab_id()) ? AssetNotFound() : LabNotFound());
          }
          v1::AssetBlob found;
          *found.mutable_asset() = row->ToProto();
          found.set_blob_key(row->blob_key);
          return found;
        });
  }

  Result<v1::DeleteAssetResponse> DeleteAsset(const v1::DeleteAssetRequest& request,
                                              const CallContext& context) override {
    Result<std::string> blob_key =
        database_.InTransaction<std::string>([&](soci::session& session) -> Result<std::string> {
          std::optional<LabRow> lab = LoadLab(session, request.lab_id());
          if (!lab) {
            return Fail(LabNotFound());
          }
          if (Status allowed = CheckCanEdit(context, lab->author_id, "delete its assets");
              !allowed) {
            return Fail(allowed.error());
          }
          std::optional<AssetRow> row = LoadAsset(session, lab->id, request.asset_id(), "");
          if (request.asset_id().empty() || !row) {
            return Fail(AssetNotFound());
          }
          session << "DELETE FROM lab_assets WHERE id = :id", soci::use(row->id);
          return row->blob_key;
        });
    if (!blob_key) {
      return Fail(blob_key.error());
    }
    DeleteBlob(*blob_key);
    return v1::DeleteAssetResponse();
  }

  Result<v1::FindLabBySourceResponse> FindLabBySource(
      const v1::FindLabBySourceRequest& request) override {
    return database_.WithSession<v1::FindLabBySourceResponse>(
        [&](soci::session& session) -> Result<v1::FindLabBySourceResponse> {
          v1::FindLabBySourceResponse response;
          long long id = 0;
          std::string sha256;
          session << "SELECT id, source_sha256 FROM labs WHERE source_key = :key",
              soci::use(request.source_key()), soci::into(id), soci::into(sha256);
          if (session.got_data()) {
            response.set_found(true);
            response.set_lab_id(id);
            response.set_source_sha256(sha256);
          }
          return response;
        });
  }

  Result<v1::RecordSubmissionResponse> RecordSubmission(
      const v1::RecordSubmissionRequest& request) override {
    return database_.InTransaction<v1::RecordSubmissionResponse>(
        [&](soci::session& session) -> Result<v1::RecordSubmissionResponse> {
          const long long id = request.lab_id();
          session << "UPDATE labs SET submission_count = submission_count + 1 WHERE id = :id",
              soci::use(id);
          std::optional<LabRow> row = LoadLab(session, id);
          if (!row) {
            return Fail(LabNotFound());
          }
          v1::RecordSubmissionResponse response;
          response.set_submission_count(row->submission_count);
          return response;
        });
  }

  Result<v1::ExportLabsResponse> ExportLabs(const v1::ExportLabsRequest& request) override {
    Result<v1::ExportLabsResponse> page = labs::ExportLabs(database_, request);
    if (page) {
      for (v1::Lab& lab : *page->mutable_items()) {
        lab.set_views(lab.views() + pending_views_.Count(lab.id()));
      }
    }
    return page;
  }

  Result<v1::LabsVersion> GetLabsVersion(const v1::GetLabsVersionRequest& /*request*/) override {
    return labs::GetLabsVersion(database_);
  }

 private:
  static v1::GetLabRequest MakeGetRequest(int64_t id) {
    v1::GetLabRequest get;
    get.set_id(id);
    return get;
  }

  // Creates the lab after checking the caller and the fields. `source` carries the imported
  // file's key and SHA-256, both empty for a lab created over the API.
  Result<v1::Lab> InsertCheckedLab(const v1::CreateLabRequest& request,
                                   const v1::ImportLabRequest& source, const CallContext& context) {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to create a lab."));
    }
    std::vector<FieldViolation> problems =
        CheckLabFields(&request.title(), &request.description(), &request.body());
    if (source.source_key().size() > kMaxSourceKeyLength) {
      problems.push_back({"source_key", "must be at most 1024 bytes long"});
    }
    Result<std::vector<std::string>> tags =
        NormalizeTags({request.tags().begin(), request.tags().end()});
    if (!tags) {
      problems.insert(problems.end(), tags.error().details.begin(), tags.error().details.end());
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }

    Result<v1::Lab> created =
        database_.InTransaction<v1::Lab>([&](soci::session& session) -> Result<v1::Lab> {
          return InsertLab(session, request, source, *tags, context.user_id);
        });
    if (created) {
      spdlog::info("user id={} created lab id={}", context.user_id, created->id());
      [[maybe_unused]] Status indexed = IndexLab(*created);
    }
    return created;
  }

  Result<v1::Lab> InsertLab(soci::session& session, const v1::CreateLabRequest& request,
                            const v1::ImportLabRequest& source,
                            const std::vector<std::string>& tags, long long author_id) {
    const long long now = NowMillis();
    long long id = 0;
    soci::indicator source_indicator = source.source_key().empty() ? soci::i_null : soci::i_ok;
    try {
      session << "INSERT INTO labs (title, description, body, author_id, source_key, "
                 "source_sha256, created_at, updated_at) VALUES (:title, :description, :body, "
                 ":author_id, :source_key, :source_sha256, :created_at, :updated_at) "
                 "RETURNING id",
          soci::use(request.title(), "title"), soci::use(request.description(), "description"),
          soci::use(request.body(), "body"), soci::use(author_id, "author_id"),
          soci::use(source.source_key(), source_indicator, "source_key"),
          soci::use(source.source_sha256(), "source_sha256"), soci::use(now, "created_at"),
          soci::use(now, "updated_at"), soci::into(id);
    } catch (const soci::soci_error& error) {
      if (storage::IsUniqueViolation(error)) {
        return Fail(Error::AlreadyExists("A lab was already imported from this source."));
      }
      throw;
    }
    ReplaceTags(session, id, tags);
    return LoadFullLab(session, id);
  }

  // Reads a lab with its tags and assets. Its views include those not yet written.
  Result<v1::Lab> LoadFullLab(soci::session& session, long long id) {
    return database_.WithPrepared<LabByIdQueries>(
        session, [&](LabByIdQueries& queries) -> Result<v1::Lab> {
          std::optional<LabRow> row = queries.LoadLab(id);
          if (!row) {
            return Fail(LabNotFound());
          }
          v1::Lab lab = row->ToProto();
          lab.set_views(lab.views() + pending_views_.Count(id));
          for (std::string& tag : queries.LoadTags(id)) {
            lab.add_tags(std::move(tag));
          }
          for (const AssetRow& asset : queries.LoadAssets(id)) {
            *lab.add_assets() = asset.ToProto();
          }
          return lab;
        });
  }

  Result<v1::AddAssetsResponse> InsertAssets(soci::session& session, long long lab_id,
                                             const std::vector<AssetRow>& rows,
                                             const CallContext& context) {
    std::optional<LabRow> lab = LoadLab(session, lab_id);
    if (!lab) {
      return Fail(LabNotFound());
    }
    if (Status allowed = CheckCanEdit(context, lab->author_id, "add assets"); !allowed) {
      return Fail(allowed.error());
    }
    long long existing = 0;
    session << "SELECT COUNT(*) FROM lab_assets WHERE lab_id = :id", soci::use(lab_id),
        soci::into(existing);
    if (existing + static_cast<long long>(rows.size()) > static_cast<long long>(kMaxAssetsPerLab)) {
      return Fail(Error::Validation({{"files", "a lab can have at most 1000 assets"}}));
    }

    v1::AddAssetsResponse response;
    for (const AssetRow& row : rows) {
      if (LoadAsset(session, lab_id, "", row.path)) {
        return Fail(PathTaken(row.path));
      }
      try {
        InsertAsset(session, row);
      } catch (const soci::soci_error& error) {
        if (storage::IsUniqueViolation(error)) {
          return Fail(PathTaken(row.path));
        }
        throw;
      }
      *response.add_items() = row.ToProto();
    }
    const long long now = NowMillis();
    session << "UPDATE labs SET updated_at = :now WHERE id = :id", soci::use(now),
        soci::use(lab_id);
    spdlog::info("user id={} added {} assets to lab id={}", context.user_id, rows.size(), lab_id);
    return response;
  }

  static Error PathTaken(const std::string& path) {
    Error error = Error::AlreadyExists("The lab already has an asset at \"" + path +
                                       "\"; delete it first to replace it.");
    error.details.push_back({"path", "is already used by another asset"});
    return error;
  }

  Result<v1::DeleteLabResponse> Archive(long long id) {
    return database_.InTransaction<v1::DeleteLabResponse>(
        [&](soci::session& session) -> Result<v1::DeleteLabResponse> {
          const long long now = NowMillis();
          session << "UPDATE labs SET status = 'archived', updated_at = :now WHERE id = :id",
              soci::use(now), soci::use(id);
          v1::DeleteLabResponse response;
          response.set_archived(true);
          return response;
        });
  }

  Result<v1::DeleteLabResponse> Destroy(long long id) {
    Result<std::vector<AssetRow>> assets = database_.InTransaction<std::vector<AssetRow>>(
        [&](soci::session& session) -> Result<std::vector<AssetRow>> {
          std::vector<AssetRow> rows = LoadAssets(session, id);
          // ON DELETE CASCADE removes the assets and tags after the row. The triggers of
          // 0003_count_labs_by_tag.sql count the tags out before that, having locked the rows
          // in the order that creating a lab does.
          session << "DELETE FROM labs WHERE id = :id", soci::use(id);
          return rows;
        });
    if (!assets) {
      return Fail(assets.error());
    }
    // The rows are gone, so a blob that fails to delete here is only an orphan.
    for (const AssetRow& asset : *assets) {
      DeleteBlob(asset.blob_key);
    }
    return v1::DeleteLabResponse();
  }

  void DeleteBlob(const std::string& key) {
    if (Status deleted = blobs_.Delete(key); !deleted) {
      spdlog::warn("deleting blob {} failed, leaving an orphan: {}", key, deleted.error().internal);
    }
  }

  // The index is a copy of the labs table, so a failure to update it is logged, and callers
  // that store the lab itself go on.
  Status IndexLab(const v1::Lab& lab) {
    if (search_ == nullptr) {
      return {};
    }
    search::SearchDocument document;
    document.type = "lab";
    document.id = lab.id();
    document.title = lab.title();
    document.summary = lab.description();
    document.body = MarkdownToText(lab.body());
    document.tags.assign(lab.tags().begin(), lab.tags().end());
    document.author_id = lab.author_id();
    document.created_at = lab.created_at();
    Status indexed = search_->Upsert(document);
    if (!indexed) {
      spdlog::error("indexing lab id={} for search failed: {}", lab.id(), indexed.error().internal);
    }
    return indexed;
  }

  // Indexes every published lab again when the index contains the text of an older version of
  // IndexLab, then records the current version, so that this runs once per database. A failure
  // is logged, and searches go on with the old text.
  void IndexLabsOfOldTextVersion() {
    if (search_ == nullptr) {
      return;
    }
    Result<int> version = search_->TextVersion("lab");
    if (!version) {
      spdlog::error("reading the search text version of labs failed: {}", version.error().internal);
      return;
    }
    if (*version >= kSearchTextVersion) {
      return;
    }
    const auto started = std::chrono::steady_clock::now();
    Result<long long> indexed = IndexAllLabs();
    if (!indexed) {
      spdlog::error("indexing the labs for search again failed, so some are still indexed with "
                    "the text of version {}: {}",
                    *version, indexed.error().internal);
      return;
    }
    if (Status recorded = search_->SetTextVersion("lab", kSearchTextVersion); !recorded) {
      spdlog::error("recording search text version {} of labs failed, so the next start indexes "
                    "them again: {}",
                    kSearchTextVersion, recorded.error().internal);
      return;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    spdlog::info("indexed {} labs for search with text version {} (was {}) in {} ms", *indexed,
                 kSearchTextVersion, *version, elapsed.count());
  }

  // Returns the number of published labs indexed.
  Result<long long> IndexAllLabs() {
    v1::ExportLabsRequest request;
    request.set_limit(kReindexPageSize);
    request.set_max_body_chars(static_cast<int32_t>(kMaxBodyBytes));
    long long indexed = 0;
    do {
      Result<v1::ExportLabsResponse> page = labs::ExportLabs(database_, request);
      if (!page) {
        return Fail(page.error());
      }
      for (const v1::Lab& lab : page->items()) {
        if (Status saved = IndexLab(lab); !saved) {
          return Fail(saved.error());
        }
        ++indexed;
      }
      request.set_after_id(page->next_after_id());
    } while (request.after_id() != 0);
    return indexed;
  }

  // Adds counted views to the labs table in one transaction; runs on the ViewWriter's thread.
  // NOTE: counted views are lost if the process dies before they are written. While this
  // transaction runs, a GET of a lab may show its views without the ones being written.
  void WriteViews(const std::unordered_map<long long, long long>& views) {
    Status written = database_.InTransaction<void>([&](soci::session& session) -> Status {
      long long id = 0;
      long long count = 0;
      soci::statement update =
          (session.prepare << "UPDATE labs SET views = views + :count WHERE id = :id",
           soci::use(count, "count"), soci::use(id, "id"));
      for (const auto& [lab_id, lab_views] : views) {
        id = lab_id;
        count = lab_views;
        update.execute(true);
      }
      return {};
    });
    if (!written) {
      spdlog::error("writing the views of {} labs failed, so they are lost: {}", views.size(),
                    written.error().internal);
    }
  }

  void RemoveFromIndex(long long id) {
    if (search_ == nullptr) {
      return;
    }
    if (Status removed = search_->Remove("lab", id); !removed) {
      spdlog::error("removing lab id={} from the search index failed: {}", id,
                    removed.error().internal);
    }
  }

  Database& database_;
  storage::BlobStore& blobs_;
  search::SearchIndex* search_;
  SubmissionCounter& submissions_;
  PendingViews pending_views_;
  // Declared last, so that it stops, and writes what is counted, before the members it uses go.
  ViewWriter view_writer_{pending_views_,
                          [this](const std::unordered_map<long long, long long>& views) {
                            WriteViews(views);
                          }};
};

}  // namespace

std::unique_ptr<LabsService> MakeLabsService(storage::Database& database, storage::BlobStore& blobs,
                                             search::SearchIndex* search,
                                             SubmissionCounter& submissions) {
  return std::make_unique<SqlLabsService>(database, blobs, search, submissions);
}

std::string AssetUrl(int64_t lab_id, std::string_view asset_id) {
  return "/api/v1/labs/" + std::to_string(lab_id) + "/assets/" + std::string(asset_id);
}

}  // namespace openlabs::labs
