#include "app/import_labs.h"

#include <iostream>

#include "app/platform.h"
#include "services/labs/lab_importer.h"

namespace openlabs::app {
namespace {

constexpr const char* kDefaultAuthor = "importer";

// The author's identity for the service calls. The default account has no password, so it cannot
// sign in. The articles importer uses the same account.
Result<CallContext> FindAuthor(users::UsersService& users, const std::string& username) {
  v1::FindUserRequest find;
  find.set_login(username);
  Result<v1::User> user = users.FindUser(find);
  if (!user && user.error().code == ErrorCode::kNotFound && username == kDefaultAuthor) {
    v1::CreateUserRequest create;
    create.set_username(username);
    create.set_email("importer@openlabs.invalid");
    create.set_name("Importer");
    user = users.CreateUser(create);
  }
  if (!user) {
    return Fail(user.error());
  }
  CallContext context;
  context.user_id = user->id();
  context.username = user->username();
  context.role = user->role();
  context.client_address = "cli";
  return context;
}

}  // namespace

int RunLabImport(const Config& config, const std::string& dir, const std::string& author) {
  Result<Platform> platform = StartPlatform(config);
  if (!platform) {
    std::cerr << "error: start-up failed: " << platform.error().message << " "
              << platform.error().internal << "\n";
    return 1;
  }
  Result<CallContext> context = FindAuthor(*platform->users, author);
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
