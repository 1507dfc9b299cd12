#include "gateway/api/articles_routes.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "gateway/api/api_support.h"
#include "gateway/blob_response.h"

namespace openlabs::gateway {
namespace {

// Text fields of the upload form: the abstract is at most 5000 characters (20,000 bytes of
// UTF-8) and the authors at most 50 names of 200 characters.
constexpr int64_t kMaxFormFieldBytes = 64 * 1024;
constexpr int kMaxFormFields = 16;

// Reads a list form field: a JSON array of non-empty strings, or comma-separated items. Text
// that starts with '{' is rejected, because it is a JSON object and not one item.
Result<std::vector<std::string>> ParseListField(std::string_view field, std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  const char opening = first == std::string_view::npos ? '\0' : text[first];
  if (opening != '[' && opening != '{') {
    return SplitComma(text);
  }
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> items;
  if (parsed.is_array()) {
    for (const nlohmann::json& item : parsed) {
      if (!item.is_string() ||
          item.get_ref<const std::string&>().find_first_not_of(" \t") == std::string::npos) {
        break;
      }
      items.push_back(item.get<std::string>());
    }
    if (items.size() == parsed.size()) {
      return items;
    }
  }
  return Fail(
      Error::Validation({{std::string(field),
                          "must be a JSON array of non-empty strings or a comma-separated list"}}));
}

std::string_view FormValue(const Request& request, const std::string& name) {
  const auto found = request.form.find(name);
  return found == request.form.end() ? std::string_view() : std::string_view(found->second);
}

// The create request from the multipart form; the PDF is the single file in the field "file".
Result<v1::CreateArticleRequest> ParseUploadForm(const Request& request) {
  std::vector<FieldViolation> problems;
  const UploadedFile* pdf = nullptr;
  for (const UploadedFile& file : request.files) {
    if (file.field == "file" && pdf == nullptr) {
      pdf = &file;
    } else {
      problems.push_back({file.field, "is not expected: send one PDF in the form field file"});
    }
  }
  if (pdf == nullptr) {
    problems.push_back({"file", "is missing: send the PDF in the form field file"});
  }
  Result<std::vector<std::string>> authors =
      ParseListField("authors", FormValue(request, "authors"));
  Result<std::vector<std::string>> tags = ParseListField("tags", FormValue(request, "tags"));
  for (const Result<std::vector<std::string>>* list : {&authors, &tags}) {
    if (!*list) {
      problems.push_back(list->error().details[0]);
    }
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }

  v1::CreateArticleRequest create;
  create.set_title(std::string(FormValue(request, "title")));
  create.set_abstract(std::string(FormValue(request, "abstract")));
  for (std::string& author : *authors) {
    create.add_authors(std::move(author));
  }
  for (std::string& tag : *tags) {
    create.add_tags(std::move(tag));
  }
  create.set_filename(pdf->filename);
  create.set_blob_key(pdf->blob_key);
  create.set_size(pdf->size);
  create.set_sha256(pdf->sha256);
  return create;
}

Response CreateArticle(const ApiCall& call, articles::ArticlesService& articles) {
  Result<v1::CreateArticleRequest> create = ParseUploadForm(call.request);
  if (!create) {
    return Response::FromError(create.error());
  }
  // On an error status the server deletes the uploaded blob; on success the article keeps it.
  return ProtoResponse(articles.CreateArticle(*create, call.caller), 201);
}

Result<v1::ListArticlesRequest> ParseListArticles(const Request& request) {
  Result<ListQuery> query = ParseListQuery(request);
  if (!query) {
    return Fail(query.error());
  }
  v1::ListArticlesRequest list;
  SetPage(query->page, list);
  list.set_uploader_id(query->author_id);
  list.set_q(std::move(query->q));
  list.set_sort(std::move(query->sort));
  for (std::string& tag : query->tags) {
    list.add_tags(std::move(tag));
  }
  return list;
}

Response UpdateArticle(const ApiCall& call, articles::ArticlesService& articles,
                       v1::UpdateArticleRequest& update) {
  // The body parsed already, so it is a JSON object. A list that is present replaces the stored
  // one, even when it is empty.
  const nlohmann::json json = ParseJsonRequestBody(call.request).value_or(nlohmann::json());
  const auto present = [&](const char* key) {
    return json.is_object() && json.contains(key) && !json[key].is_null();
  };
  update.set_replace_authors(present("authors"));
  update.set_replace_tags(present("tags"));
  update.set_id(call.id);
  return ProtoResponse(articles.UpdateArticle(update, call.caller));
}

Response DownloadPdf(const ApiCall& call, articles::ArticlesService& articles,
                     storage::BlobStore& blobs) {
  v1::GetArticleRequest get;
  get.set_id(call.id);
  Result<v1::ArticlePdf> pdf = articles.GetArticlePdf(get);
  if (!pdf) {
    return Response::FromError(pdf.error());
  }
  DownloadOptions options;
  // The service accepted the file only after poppler opened it, so the type is known.
  options.content_type = "application/pdf";
  options.filename = pdf->filename();
  options.attachment = false;
  options.sha256 = pdf->sha256();
  // An article's PDF never changes under its id, so caches may keep it; the ETag revalidates.
  options.cache_control = "public, max-age=3600";
  return BlobDownload(call.request, blobs, pdf->blob_key(), options);
}

}  // namespace

void AddArticlesRoutes(Router& router, articles::ArticlesService& articles, auth::AuthService& auth,
                       storage::BlobStore& blobs, ArticlesRouteOptions options) {
  ApiRoutes api(router, &auth);
  Route upload = api.MakeRoute(
      "POST", "/api/v1/articles", CallerPolicy::kRequired,
      [&articles](const ApiCall& call) { return CreateArticle(call, articles); });
  // Text extraction of a large PDF takes seconds, so it must not run on an event loop.
  upload.execution = Execution::kWorker;
  upload.content_types = {"multipart/form-data"};
  upload.upload_store = &blobs;
  upload.upload_limits.max_file_bytes = options.max_pdf_bytes;
  upload.upload_limits.max_files = 1;
  upload.upload_limits.max_field_bytes = kMaxFormFieldBytes;
  upload.upload_limits.max_fields = kMaxFormFields;
  router.Add(std::move(upload));

  api.Add("GET", "/api/v1/articles", CallerPolicy::kAnonymous, [&articles](const ApiCall& call) {
    Result<v1::ListArticlesRequest> list = ParseListArticles(call.request);
    if (!list) {
      return Response::FromError(list.error());
    }
    return ProtoResponse(articles.ListArticles(*list));
  }).query_params = kListQueryParams;
  api.Add("GET", "/api/v1/articles/{id}", CallerPolicy::kAnonymous,
          [&articles](const ApiCall& call) {
            v1::GetArticleRequest get;
            get.set_id(call.id);
            get.set_count_view(call.request.method == "GET");
            return ProtoResponse(articles.GetArticle(get));
          });
  api.AddJson<v1::UpdateArticleRequest>(
      "PATCH", "/api/v1/articles/{id}", CallerPolicy::kRequired,
      [&articles](const ApiCall& call, v1::UpdateArticleRequest& update) {
        return UpdateArticle(call, articles, update);
      });
  api.Add("DELETE", "/api/v1/articles/{id}", CallerPolicy::kRequired,
          [&articles](const ApiCall& call) {
            v1::DeleteArticleRequest remove;
            remove.set_id(call.id);
            return StatusResponse(articles.DeleteArticle(remove, call.caller));
          });
  api.Add(
      "GET", "/api/v1/articles/{id}/pdf", CallerPolicy::kAnonymous,
      [&articles, &blobs](const ApiCall& call) { return DownloadPdf(call, articles, blobs); },
      Execution::kWorker);
}

}  // namespace openlabs::gateway
