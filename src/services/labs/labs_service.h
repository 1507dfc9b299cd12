#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "common/call_context.h"
#include "common/error.h"
#include "openlabs/v1/labs.pb.h"
#include "storage/blob_store.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::search {
class SearchIndex;
}  // namespace openlabs::search

namespace openlabs::labs {

// How many submissions a lab has, asked before a lab is deleted: a lab with submissions is
// archived instead. The platform wires it to the submissions service.
class SubmissionCounter {
 public:
  virtual ~SubmissionCounter() = default;
  virtual Result<int64_t> CountForLab(int64_t lab_id) = 0;
};

// The labs service: labs, their tags and their asset files. Reads are public (archived labs are
// readable by id but left out of lists); creating needs an account; editing, deleting and
// managing assets need the lab's author, a moderator or an admin. Calls made for another service
// (FindLabBySource, RecordSubmission, ExportLabs) trust their caller. Implementations are
// thread-safe.
class LabsService {
 public:
  virtual ~LabsService() = default;

  // Creates a published lab by the caller. kValidationFailed names each invalid field.
  virtual Result<v1::Lab> CreateLab(const v1::CreateLabRequest& request,
                                    const CallContext& context) = 0;

  // Creates a published lab like CreateLab and records the file it was imported from. Only
  // `openlabs import labs` calls it, never an HTTP route. kAlreadyExists when `source_key` was
  // imported before.
  virtual Result<v1::Lab> ImportLab(const v1::ImportLabRequest& request,
                                    const CallContext& context) = 0;

  // The lab with its tags and assets, archived or not. kNotFound when there is none.
  virtual Result<v1::Lab> GetLab(const v1::GetLabRequest& request) = 0;

  virtual Result<v1::Lab> UpdateLab(const v1::UpdateLabRequest& request,
                                    const CallContext& context) = 0;

  // Deletes the lab with its assets, or archives it when it has submissions.
  virtual Result<v1::DeleteLabResponse> DeleteLab(const v1::DeleteLabRequest& request,
                                                  const CallContext& context) = 0;

  // Published labs matching every filter, with the real total.
  virtual Result<v1::ListLabsResponse> ListLabs(const v1::ListLabsRequest& request) = 0;

  // Tags of published labs with their counts, most used first.
  virtual Result<v1::ListTagsResponse> ListTags(const v1::ListTagsRequest& request) = 0;

  // Records blobs already in the blob store as assets of the lab, in one transaction.
  // kAlreadyExists when a path is taken (delete the old asset first). The caller still owns the
  // blobs when this fails.
  virtual Result<v1::AddAssetsResponse> AddAssets(const v1::AddAssetsRequest& request,
                                                  const CallContext& context) = 0;

  virtual Result<v1::ListAssetsResponse> ListAssets(const v1::ListAssetsRequest& request) = 0;

  // One asset and its blob key, by id or by path. kNotFound when the lab or asset is missing.
  virtual Result<v1::AssetBlob> GetAsset(const v1::GetAssetRequest& request) = 0;

  // Removes the asset's record, then its blob.
  virtual Result<v1::DeleteAssetResponse> DeleteAsset(const v1::DeleteAssetRequest& request,
                                                      const CallContext& context) = 0;

  // The lab created from an imported file, if any; used by `openlabs import labs`.
  virtual Result<v1::FindLabBySourceResponse> FindLabBySource(
      const v1::FindLabBySourceRequest& request) = 0;

  // Adds one to the lab's submission count, which ranks labs for sort=popular.
  virtual Result<v1::RecordSubmissionResponse> RecordSubmission(
      const v1::RecordSubmissionRequest& request) = 0;

  // One page of published labs in id order, with tags and bodies cut to `max_body_chars`, for a
  // service that keeps its own copy of the catalog (the recommender). kValidationFailed for a
  // limit outside 1 to 5000 or a body limit outside 0 to 1 MiB.
  virtual Result<v1::ExportLabsResponse> ExportLabs(const v1::ExportLabsRequest& request) = 0;

  // A value that changes whenever ExportLabs would return other labs, titles, texts or tags.
  // Cheap next to ExportLabs, so a reader checks it before reading the labs again.
  virtual Result<v1::LabsVersion> GetLabsVersion(const v1::GetLabsVersionRequest& request) = 0;
};

// The SQL implementation. Its tables are "labs", "lab_tags" and "lab_assets"; asset blobs are
// recorded under the keys they were written to. `search` may be null, and then `q` filters with
// a case-insensitive substring match. Every reference must outlive the service.
std::unique_ptr<LabsService> MakeLabsService(storage::Database& database, storage::BlobStore& blobs,
                                             search::SearchIndex* search,
                                             SubmissionCounter& submissions);

// The URL that serves an asset's content.
std::string AssetUrl(int64_t lab_id, std::string_view asset_id);

}  // namespace openlabs::labs

namespace openlabs {
// The labs service's migrations (generated from migrations/).
std::span<const storage::Migration> LabsMigrations();
}  // namespace openlabs
