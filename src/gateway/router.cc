#include "gateway/router.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <unordered_map>

namespace openlabs::gateway {
namespace {

// Paths with more segments than this match no route, which keeps Find free of heap allocation
// for the segment list. Add rejects longer patterns.
constexpr size_t kMaxSegments = 32;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

bool IsParameterSegment(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool IsValidParameterName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Splits "/a/b" into {"a", "b"}; "/" has no segments. Returns false when there are more than
// kMaxSegments segments.
bool SplitPath(std::string_view path, std::array<std::string_view, kMaxSegments>& segments,
               size_t& count) {
  count = 0;
  if (path.empty() || path == "/") {
    return true;
  }
  path.remove_prefix(1);
  for (;;) {
    if (count == kMaxSegments) {
      return false;
    }
    const size_t slash = path.find('/');
    segments[count++] = path.substr(0, slash);
    if (slash == std::string_view::npos) {
      return true;
    }
    path.remove_prefix(slash + 1);
  }
}

[[noreturn]] void ThrowInvalidPattern(std::string_view pattern, std::string_view reason) {
  throw std::invalid_argument("Invalid route pattern \"" + std::string(pattern) +
                              "\": " + std::string(reason));
}

// One route's end point in the tree, with the names of its "{name}" segments in path order.
struct Endpoint {
  const Route* route = nullptr;
  std::vector<std::string> parameter_names;
};

// State of one depth-first search: literal children are tried before the parameter child, and
// the first end point with the request's method wins.
struct Search {
  std::string_view method;
  std::array<std::string_view, kMaxSegments> segments;
  size_t segment_count = 0;
  std::array<std::string_view, kMaxSegments> values;
  size_t value_count = 0;
  const Endpoint* found = nullptr;
  bool path_matched = false;
  std::vector<std::string> allowed;  // methods of matching paths, for 405
};

}  // namespace

struct Router::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> literals;
  std::unique_ptr<Node> parameter;
  std::vector<Endpoint> endpoints;  // routes whose pattern ends here, one per method

  const Endpoint* FindMethod(std::string_view method) const {
    for (const Endpoint& endpoint : endpoints) {
      if (endpoint.route->method == method) {
        return &endpoint;
      }
    }
    return nullptr;
  }

  bool Visit(size_t index, Search& search) const;
  bool VisitEnd(Search& search) const;
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Route& Router::Add(std::string_view method, std::string_view pattern, Handler handler,
                   Execution execution) {
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
  route.execution = execution;
  return Add(std::move(route));
}

Route& Router::Add(Route route) {
  if (route.method.empty()) {
    ThrowInvalidPattern(route.pattern, "the method is empty");
  }
  if (!route.handler) {
    ThrowInvalidPattern(route.pattern, "the handler is empty");
  }
  if (route.pattern.empty() || route.pattern.front() != '/') {
    ThrowInvalidPattern(route.pattern, "it must start with '/'");
  }

  std::array<std::string_view, kMaxSegments> segments;
  size_t count = 0;
  if (!SplitPath(route.pattern, segments, count)) {
    ThrowInvalidPattern(route.pattern, "it has more than 32 segments");
  }

  Node* node = root_.get();
  std::vector<std::string> parameter_names;
  for (size_t i = 0; i < count; ++i) {
    const std::string_view segment = segments[i];
    if (segment.empty()) {
      ThrowInvalidPattern(route.pattern, "it has an empty segment");
    }
    if (!IsParameterSegment(segment)) {
      if (segment.find_first_of("{}") != std::string_view::npos) {
        ThrowInvalidPattern(route.pattern, "a parameter must be a whole segment like {name}");
      }
      auto& child = node->literals[std::string(segment)];
      if (!child) {
        child = std::make_unique<Node>();
      }
      node = child.get();
      continue;
    }

    const std::string_view name = segment.substr(1, segment.size() - 2);
    if (!IsValidParameterName(name)) {
      ThrowInvalidPattern(route.pattern, "a parameter name must be letters, digits or '_'");
    }
    if (std::find(parameter_names.begin(), parameter_names.end(), name) != parameter_names.end()) {
      ThrowInvalidPattern(route.pattern, "a parameter name appears twice");
    }
    parameter_names.emplace_back(name);
    if (!node->parameter) {
      node->parameter = std::make_unique<Node>();
    }
    node = node->parameter.get();
  }

  if (node->FindMethod(route.method) != nullptr) {
    ThrowInvalidPattern(route.pattern, "a route with method " + route.method + " already exists");
  }
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  node->endpoints.push_back({routes_.back().get(), std::move(parameter_names)});
  return *routes_.back();
}

bool Router::Node::VisitEnd(Search& search) const {
  if (endpoints.empty()) {
    return false;
  }
  search.path_matched = true;
  const Endpoint* endpoint = FindMethod(search.method);
  if (endpoint == nullptr && search.method == "HEAD") {
    endpoint = FindMethod("GET");
  }
  if (endpoint != nullptr) {
    search.found = endpoint;
    return true;
  }
  for (const Endpoint& other : endpoints) {
    search.allowed.push_back(other.route->method);
    if (other.route->method == "GET") {
      search.allowed.emplace_back("HEAD");
    }
  }
  return false;
}

bool Router::Node::Visit(size_t index, Search& search) const {
  if (index == search.segment_count) {
    return VisitEnd(search);
  }
  const std::string_view segment = search.segments[index];
  if (segment.empty()) {
    return false;
  }

  const auto literal = literals.find(segment);
  if (literal != literals.end() && literal->second->Visit(index + 1, search)) {
    return true;
  }
  if (!parameter) {
    return false;
  }
  search.values[search.value_count++] = segment;
  if (parameter->Visit(index + 1, search)) {
    return true;
  }
  --search.value_count;
  return false;
}

namespace {

Error MethodNotAllowed(std::string_view method, std::vector<std::string> allowed) {
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  std::string list;
  for (const std::string& name : allowed) {
    if (!list.empty()) {
      list += ", ";
    }
    list += name;
  }
  Error error{ErrorCode::kMethodNotAllowed,
              "The method " + std::string(method) + " is not allowed for this path."};
  error.details.push_back({std::string(kAllowDetailField), std::move(list)});
  return error;
}

}  // namespace

std::vector<const Route*> Router::Routes() const {
  std::vector<const Route*> routes;
  routes.reserve(routes_.size());
  for (const std::unique_ptr<Route>& route : routes_) {
    routes.push_back(route.get());
  }
  return routes;
}

Result<Router::Match> Router::Find(std::string_view method, std::string_view path) const {
  Search search;
  search.method = method;
  if (!SplitPath(path, search.segments, search.segment_count)) {
    return Fail(Error::NotFound("No route matches the requested path."));
  }

  if (!root_->Visit(0, search)) {
    if (search.path_matched) {
      return Fail(MethodNotAllowed(method, std::move(search.allowed)));
    }
    return Fail(Error::NotFound("No route matches the requested path."));
  }

  Match match;
  match.route = search.found->route;
  const std::vector<std::string>& names = search.found->parameter_names;
  match.params.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    match.params.emplace_back(names[i], std::string(search.values[i]));
  }
  return match;
}

}  // namespace openlabs::gateway
