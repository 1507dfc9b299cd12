#pragma once

#include <cstdint>
#include <string>

namespace openlabs {

// The identity and origin of a service call. The gateway fills it from the verified access token
// and the connection; in a gRPC deployment it travels in the call's metadata.
struct CallContext {
  int64_t user_id = 0;  // 0 for an anonymous caller
  std::string username;
  std::string role;        // "user", "moderator" or "admin"
  std::string session_id;  // the refresh-token family the access token belongs to
  std::string token_id;    // the access token's jti
  std::string client_address;
  std::string user_agent;
  std::string request_id;

  bool authenticated() const { return user_id != 0; }
  bool is_admin() const { return role == "admin"; }
  bool is_moderator() const { return role == "moderator" || role == "admin"; }
};

}  // namespace openlabs
