#include "app/import_notebooks.h"

#include <iostream>

#include "app/import_account.h"
#include "app/platform.h"
#include "services/notebooks/notebook_importer.h"

namespace openlabs::app {
namespace {

// Finds or creates the lab of one imported notebook, keyed by the notebook's path.
Result<notebooks::NotebookParent> LabForNotebook(labs::LabsService& labs,
                                                 const CallContext& context,
                                                 const notebooks::NotebookDraft& draft) {
  const std::string source_key = "notebooks/" + draft.source_key;
  v1::FindLabBySourceRequest find;
  find.set_source_key(source_key);
  Result<v1::FindLabBySourceResponse> found = labs.FindLabBySource(find);
  if (!found) {
    return Fail(found.error());
  }
  if (found->found()) {
    return notebooks::NotebookParent{"lab", found->lab_id(),
                                     "lab " + std::to_string(found->lab_id())};
  }
  v1::ImportLabRequest import;
  v1::CreateLabRequest& create = *import.mutable_lab();
  create.set_title(draft.title);
  create.set_description("A marimo notebook imported from " + draft.source_key + ".");
  create.set_body(draft.first_markdown.empty() ? "# " + draft.title : draft.first_markdown);
  create.add_tags("notebook");
  import.set_source_key(source_key);
  Result<v1::Lab> lab = labs.ImportLab(import, context);
  if (!lab) {
    return Fail(lab.error());
  }
  return notebooks::NotebookParent{"lab", lab->id(), "new lab " + std::to_string(lab->id())};
}

// The fixed parent given on the command line, checked once.
Result<notebooks::NotebookParent> FixedParent(Platform& platform,
                                              const NotebookImportTarget& target) {
  if (target.lab_id != 0) {
    v1::GetLabRequest get;
    get.set_id(target.lab_id);
    if (Result<v1::Lab> lab = platform.labs->GetLab(get); !lab) {
      return Fail(lab.error());
    }
    return notebooks::NotebookParent{"lab", target.lab_id, "lab " + std::to_string(target.lab_id)};
  }
  v1::GetArticleRequest get;
  get.set_id(target.article_id);
  if (Result<v1::Article> article = platform.articles->GetArticle(get); !article) {
    return Fail(article.error());
  }
  return notebooks::NotebookParent{"article", target.article_id,
                                   "article " + std::to_string(target.article_id)};
}

}  // namespace

int RunNotebookImport(const Config& config, const std::string& dir, const std::string& author,
                      const NotebookImportTarget& target) {
  LogWarningsOnlyDuringImport();
  Result<Platform> platform = StartPlatform(config);
  if (!platform) {
    std::cerr << "error: start-up failed: " << platform.error().message << " "
              << platform.error().internal << "\n";
    return 1;
  }
  Result<CallContext> context = FindImportAccount(*platform->users, author);
  if (!context) {
    std::cerr << "error: the author " << author << " cannot be used: " << context.error().message
              << " Create the user first with `openlabs user create`, or omit --author.\n";
    return 2;
  }

  notebooks::ParentChooser choose;
  if (target.lab_id != 0 || target.article_id != 0) {
    Result<notebooks::NotebookParent> parent = FixedParent(*platform, target);
    if (!parent) {
      std::cerr << "error: " << parent.error().message << " Check the id given to "
                << (target.lab_id != 0 ? "--lab" : "--article") << ".\n";
      return 2;
    }
    choose = [fixed = *parent](const notebooks::NotebookDraft&) { return fixed; };
  } else {
    labs::LabsService& labs = *platform->labs;
    choose = [&labs, &context](const notebooks::NotebookDraft& draft) {
      return LabForNotebook(labs, *context, draft);
    };
  }

  std::cout << "Importing the marimo notebooks of " << dir << " as user " << context->username
            << " (id " << context->user_id << ")"
            << (target.lab_id == 0 && target.article_id == 0 ? ", one new lab per notebook" : "")
            << ".\n";
  notebooks::NotebookImportOptions options;
  options.max_asset_bytes = config.labs_max_asset_bytes;
  Result<notebooks::NotebookImportSummary> summary = notebooks::ImportNotebooks(
      dir, *platform->notebooks, *platform->blobs, *context, choose, options, std::cout);
  if (!summary) {
    std::cerr << "error: " << summary.error().message << "\n";
    return 1;
  }
  std::cout << "Imported " << summary->imported << ", skipped " << summary->skipped
            << " (already imported), rejected " << summary->rejected << ", ignored "
            << summary->ignored << " (not marimo notebooks).\n";
  return summary->rejected > 0 ? 1 : 0;
}

}  // namespace openlabs::app
