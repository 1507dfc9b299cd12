#include "app/platform.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "gateway/api/articles_routes.h"
#include "gateway/api/auth_routes.h"
#include "gateway/api/search_routes.h"
#include "gateway/api/users_routes.h"
#include "storage/migrations.h"

namespace openlabs::app {

Result<std::unique_ptr<storage::Database>> OpenDatabase(const Config& config) {
  Result<std::unique_ptr<storage::Database>> database =
      storage::Database::Open(config.EffectiveDatabaseUrl(), config.database_pool_size);
  if (!database) {
    return Fail(database.error());
  }
  struct ServiceMigrations {
    const char* service;
    std::span<const storage::Migration> migrations;
  };
  const ServiceMigrations all[] = {
      {"users", UsersMigrations()},
      {"auth", AuthMigrations()},
      {"search", SearchMigrations()},
      {"articles", ArticlesMigrations()},
  };
  for (const ServiceMigrations& entry : all) {
    Result<int> applied = storage::ApplyMigrations(**database, entry.service, entry.migrations);
    if (!applied) {
      return Fail(applied.error());
    }
  }
  return database;
}

Result<Platform> StartPlatform(const Config& config) {
  Platform platform;
  platform.config = config;
  Result<std::unique_ptr<storage::Database>> database = OpenDatabase(config);
  if (!database) {
    return Fail(database.error());
  }
  platform.database = std::move(*database);
  platform.blobs =
      storage::MakeLocalBlobStore((std::filesystem::path(config.data_dir) / "blobs").string());

  platform.users = users::MakeUsersService(
      *platform.database, users::UsersOptions{.initial_points = config.initial_points});

  auth::AuthOptions auth_options;
  auth_options.issuer = config.jwt_issuer;
  auth_options.access_token_ttl_seconds = config.access_token_ttl_seconds;
  auth_options.refresh_token_ttl_seconds = config.refresh_token_ttl_seconds;
  auth_options.login_attempts_per_account = config.login_attempts_per_account;
  auth_options.login_attempts_per_address = config.login_attempts_per_address;
  auth_options.login_window_seconds = config.login_window_seconds;
  auth_options.totp_issuer = config.totp_issuer;
  Result<std::unique_ptr<auth::AuthService>> auth =
      auth::MakeAuthService(*platform.database, *platform.users, auth_options);
  if (!auth) {
    return Fail(auth.error());
  }
  platform.auth = std::move(*auth);

  platform.search = search::MakeSearchIndex(*platform.database);
  platform.articles = articles::MakeArticlesService(
      *platform.database, *platform.blobs, *platform.search,
      articles::ArticlesOptions{.max_pdf_bytes = config.articles_max_pdf_bytes});
  return platform;
}

gateway::Router BuildRouter(Platform& platform) {
  gateway::Router router;
  gateway::AddAuthRoutes(router, *platform.auth);
  gateway::AddUsersRoutes(router, *platform.users, *platform.auth);
  gateway::AddArticlesRoutes(router, *platform.articles, *platform.auth, *platform.blobs,
                             {.max_pdf_bytes = platform.config.articles_max_pdf_bytes});
  gateway::AddSearchRoutes(router, *platform.search);
  return router;
}

}  // namespace openlabs::app
