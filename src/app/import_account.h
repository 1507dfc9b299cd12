#pragma once

#include <string>

#include "common/call_context.h"
#include "common/error.h"
#include "services/users/users_service.h"

namespace openlabs::app {

// The account that the importers record as author or uploader when none is given.
inline constexpr const char* kDefaultImportAccount = "importer";

// The identity of `username` for the importers' service calls. The default account is created in
// the users service when missing, with no password in the auth service, so it cannot sign in.
Result<CallContext> FindImportAccount(users::UsersService& users, const std::string& username);

// Raises the log level from info to warning for an import, so that the per-request info lines
// of the services do not break up the progress lines on standard output. Logs still go to
// standard error, and a debug or trace level that was asked for is kept.
void LogWarningsOnlyDuringImport();

}  // namespace openlabs::app
