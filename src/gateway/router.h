#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http.h"

namespace openlabs::gateway {

struct Route {
  std::string method;
  std::string pattern;  // e.g. "/api/v1/users/{id}"; also the route label in metrics
  Handler handler;
  Execution execution = Execution::kInline;
};

// Maps a method and path to a handler. Patterns are literal segments and "{name}" segments; a
// literal segment wins over a parameter at the same position. Not thread-safe while routes are
// added; safe for concurrent Find once serving starts.
class Router {
 public:
  void Add(std::string_view method, std::string_view pattern, Handler handler,
           Execution execution = Execution::kInline);

  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
  };

  // The matching route, or kNotFound when no pattern matches the path, or kMethodNotAllowed
  // (with the allowed methods in the error's details) when the path matches with other methods.
  Result<Match> Find(std::string_view method, std::string_view path) const;

 private:
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace openlabs::gateway
