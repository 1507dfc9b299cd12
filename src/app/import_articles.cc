#include "app/import_articles.h"

#include <iostream>

#include "app/platform.h"
#include "services/articles/article_importer.h"

namespace openlabs::app {
namespace {

constexpr const char* kDefaultUploader = "importer";

// The uploader's identity for the service calls. The default account is created in the users
// service only, with no password in the auth service.
Result<CallContext> FindUploader(users::UsersService& users, const std::string& username) {
  v1::FindUserRequest find;
  find.set_login(username);
  Result<v1::User> user = users.FindUser(find);
  if (!user && user.error().code == ErrorCode::kNotFound && username == kDefaultUploader) {
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

int RunArticleImport(const Config& config, const std::string& dir, const std::string& uploader) {
  Result<Platform> platform = StartPlatform(config);
  if (!platform) {
    std::cerr << "error: start-up failed: " << platform.error().message << " "
              << platform.error().internal << "\n";
    return 1;
  }
  Result<CallContext> context = FindUploader(*platform->users, uploader);
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
