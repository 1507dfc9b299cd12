#include "app/import_articles.h"

#include <iostream>

#include "app/import_account.h"
#include "app/platform.h"
#include "services/articles/article_importer.h"

namespace openlabs::app {

int RunArticleImport(const Config& config, const std::string& dir, const std::string& uploader) {
  LogWarningsOnlyDuringImport();
  Result<Platform> platform = StartPlatform(config);
  if (!platform) {
    std::cerr << "error: start-up failed: " << platform.error().message << " "
              << platform.error().internal << "\n";
    return 1;
  }
  Result<CallContext> context = FindImportAccount(*platform->users, uploader);
  if (!context) {
    std::cerr << "error: the uploader " << uploader
              << " cannot be used: " << context.error().message
              << " Create the user first with `openlabs user create`, or omit --uploader.\n";
    return 2;
  }

  std::cout << "Importing the PDFs of " << dir << " as user " << context->username << " (id "
            << context->user_id << ").\n";
  Result<articles::ImportSummary> summary =
      articles::ImportArticles(dir, *platform->articles, *platform->blobs, *context, std::cout);
  if (!summary) {
    std::cerr << "error: " << summary.error().message << "\n";
    return 1;
  }
  std::cout << "Imported " << summary->imported << ", skipped " << summary->skipped
            << " (already imported), rejected " << summary->rejected << ".\n";
  for (const std::string& problem : summary->problems) {
    std::cout << "  rejected " << problem << "\n";
  }
  return summary->rejected == 0 ? 0 : 1;
}

}  // namespace openlabs::app
