#include "app/import_account.h"

#include <spdlog/spdlog.h>

namespace openlabs::app {

Result<CallContext> FindImportAccount(users::UsersService& users, const std::string& username) {
  v1::FindUserRequest find;
  find.set_login(username);
  Result<v1::User> user = users.FindUser(find);
  if (!user && user.error().code == ErrorCode::kNotFound && username == kDefaultImportAccount) {
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

void LogWarningsOnlyDuringImport() {
  if (spdlog::get_level() == spdlog::level::info) {
    spdlog::set_level(spdlog::level::warn);
  }
}

}  // namespace openlabs::app
