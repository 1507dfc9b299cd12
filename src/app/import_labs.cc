#include "app/import_labs.h"

#include <iostream>

#include "app/import_account.h"
#include "app/platform.h"
#include "services/labs/lab_importer.h"

namespace openlabs::app {

int RunLabImport(const Config& config, const std::string& dir, const std::string& author) {
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

  std::cout << "Importing the Markdown files of " << dir << " as user " << context->username
            << " (id " << context->user_id << ").\n";
  labs::ImportOptions options;
  options.max_asset_bytes = config.labs_max_asset_bytes;
  Result<labs::ImportSummary> summary =
      labs::ImportLabs(dir, *platform->labs, *platform->blobs, *context, options, std::cout);
  if (!summary) {
    std::cerr << "error: " << summary.error().message << "\n";
    return 1;
  }
  std::cout << "Imported " << summary->imported << ", skipped " << summary->skipped
            << " (already imported), rejected " << summary->rejected << ", ignored "
            << summary->ignored << " (not labs).\n";
  return summary->rejected > 0 ? 1 : 0;
}

}  // namespace openlabs::app
