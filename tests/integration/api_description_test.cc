// The OpenAPI document at /api/openapi.json against the routes the server registers, as
// `openlabs routes` prints them: every route is described, every described route exists, and
// each operation declares its path parameters and responses. Real responses of a sample of
// routes are validated against the document's schemas with RapidJSON's JSON Schema validator.
#include <rapidjson/document.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api_test.h"
#include "learning_api_test.h"

namespace openlabs::integration {
namespace {

constexpr std::string_view kDescriptionFolder = "src/gateway/api/openapi/";

// "GET /api/v1/labs/{id}": a method in upper case and a route pattern.
using RouteKey = std::string;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

bool IsMethodName(const std::string& word) {
  static const std::set<std::string> kMethods = {"GET",   "PUT",     "POST", "DELETE",
                                                 "PATCH", "OPTIONS", "HEAD", "TRACE"};
  return kMethods.contains(word);
}

std::set<RouteKey> DescribedRoutes(const nlohmann::json& document) {
  std::set<RouteKey> routes;
  const nlohmann::json paths = document.value("paths", nlohmann::json::object());
  for (const auto& [path, item] : paths.items()) {
    for (const auto& [key, operation] : item.items()) {
      if (IsMethodName(Upper(key))) {
        routes.insert(Upper(key) + " " + path);
      }
    }
  }
  return routes;
}

// The names of the "{name}" segments of a route pattern.
std::vector<std::string> PathParameterNames(std::string_view pattern) {
  std::vector<std::string> names;
  size_t open = pattern.find('{');
  while (open != std::string_view::npos) {
    const size_t close = pattern.find('}', open);
    names.emplace_back(pattern.substr(open + 1, close - open - 1));
    open = pattern.find('{', close);
  }
  return names;
}

// Follows a local "$ref" such as "#/components/parameters/Id" to the object it names.
nlohmann::json Resolve(const nlohmann::json& document, const nlohmann::json& value) {
  if (!value.is_object() || !value.contains("$ref")) {
    return value;
  }
  const std::string pointer = value["$ref"].get<std::string>().substr(1);
  const nlohmann::json::json_pointer target(pointer);
  return document.contains(target) ? document[target] : nlohmann::json();
}

// The YAML a developer adds for an undescribed route, as a starting point.
std::string DescriptionTemplate(const RouteKey& route) {
  const size_t space = route.find(' ');
  const std::string method = Lower(route.substr(0, space));
  const std::string path = route.substr(space + 1);
  std::string yaml = "  " + path + ":\n    " + method + ":\n      tags: [...]\n" +
                     "      summary: ...\n      operationId: ...\n";
  const std::vector<std::string> names = PathParameterNames(path);
  if (!names.empty()) {
    yaml += "      parameters:\n";
    for (const std::string& name : names) {
      yaml += "        - {name: " + name + ", in: path, required: true, schema: {type: ...}}\n";
    }
  }
  yaml += "      responses:\n        \"200\":\n          description: ...\n";
  return yaml;
}

class ApiDescriptionTest : public ApiTest {
 protected:
  nlohmann::json FetchDocument() {
    const HttpResponse response = client().Get("/api/openapi.json");
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/json");
    return response.Json();
  }
};

TEST_P(ApiDescriptionTest, DescribesExactlyTheRegisteredRoutes) {
  const nlohmann::json document = FetchDocument();
  ASSERT_TRUE(document.is_object());

  const std::set<RouteKey> registered = RegisteredRoutes();
  ASSERT_TRUE(registered.contains("GET /api/v1/labs/{id}"));
  ASSERT_TRUE(registered.contains("GET /healthz"));

  const std::set<RouteKey> described = DescribedRoutes(document);
  for (const RouteKey& route : registered) {
    EXPECT_TRUE(described.contains(route))
        << route << " is registered but missing from the OpenAPI document. Describe it in the "
        << "YAML file of its route group under " << kDescriptionFolder
        << " (a new group gets a new file there), under \"paths:\", for example:\n"
        << DescriptionTemplate(route)
        << "Reference a protobuf message openlabs.v1.NAME as "
           "{$ref: \"#/components/schemas/NAME\"}; its schema is generated.";
  }
  for (const RouteKey& route : described) {
    EXPECT_TRUE(registered.contains(route))
        << route << " is described in the OpenAPI document but no such route is registered. "
        << "Remove it from " << kDescriptionFolder
        << ", or fix its path or method to match the route's pattern.";
  }
}

TEST_P(ApiDescriptionTest, OperationsDeclareParametersAndResponses) {
  const nlohmann::json document = FetchDocument();
  ASSERT_TRUE(document.is_object());
  EXPECT_EQ(document.value("openapi", ""), "3.0.3");
  ASSERT_TRUE(document.contains("/components/schemas/Error"_json_pointer));

  std::set<std::string> operation_ids;
  for (const auto& [path, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!IsMethodName(Upper(method))) {
        continue;
      }
      const std::string route = Upper(method) + " " + path;
      EXPECT_FALSE(operation.value("summary", "").empty()) << route << " has no summary";
      EXPECT_FALSE(operation.value("tags", nlohmann::json::array()).empty())
          << route << " has no tags";
      const std::string id = operation.value("operationId", "");
      EXPECT_FALSE(id.empty()) << route << " has no operationId";
      EXPECT_TRUE(operation_ids.insert(id).second) << route << " repeats the operationId " << id;
      EXPECT_FALSE(operation.value("responses", nlohmann::json::object()).empty())
          << route << " lists no responses";

      std::set<std::string> declared;
      for (const nlohmann::json* list : {&item, &operation}) {
        for (const nlohmann::json& entry : list->value("parameters", nlohmann::json::array())) {
          const nlohmann::json parameter = Resolve(document, entry);
          if (parameter.value("in", "") == "path") {
            declared.insert(parameter.value("name", ""));
          }
        }
      }
      const std::vector<std::string> names = PathParameterNames(path);
      for (const std::string& name : names) {
        EXPECT_TRUE(declared.contains(name))
            << route << " does not declare its path parameter " << name;
      }
      EXPECT_EQ(declared.size(), names.size())
          << route << " declares path parameters that its path does not have";
    }
  }
}

TEST_P(ApiDescriptionTest, SchemasFollowProtobufMessages) {
  const nlohmann::json document = FetchDocument();
  ASSERT_TRUE(document.is_object());
  const nlohmann::json lab = document["components"]["schemas"].value("Lab", nlohmann::json());
  ASSERT_TRUE(lab.is_object()) << "The Lab schema is not generated from openlabs.v1.Lab";
  EXPECT_EQ(lab["properties"]["id"]["type"], "integer");
  EXPECT_EQ(lab["properties"]["id"]["format"], "int64");
  EXPECT_EQ(lab["properties"]["tags"]["type"], "array");
  EXPECT_EQ(lab["properties"]["created_at"]["description"], "Unix milliseconds");

  // `balance` is an optional field, so ProtoToJson leaves it out when unset.
  const nlohmann::json user = document["components"]["schemas"]["User"];
  const nlohmann::json required = user.value("required", nlohmann::json::array());
  EXPECT_NE(std::find(required.begin(), required.end(), "username"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "balance"), required.end());
}

TEST_P(ApiDescriptionTest, DocsPageNeedsTheWebApp) {
  // The shared server serves no web app, so the page is missing. The error names the document.
  const HttpResponse page = client().Get("/api/docs");
  ExpectErrorResponse(page, 404, "not_found");
  EXPECT_NE(page.Json()["error"].value("message", "").find("/api/openapi.json"), std::string::npos)
      << page.body;
}

// An OpenAPI 3.0 schema as JSON Schema draft 4, which RapidJSON validates: `nullable: true`
// becomes an anyOf with {"type": "null"}, as OpenAPI validators read it, also where the schema
// is an allOf around a $ref.
nlohmann::json ToJsonSchema(const nlohmann::json& schema) {
  if (schema.is_array()) {
    nlohmann::json converted = nlohmann::json::array();
    for (const nlohmann::json& item : schema) {
      converted.push_back(ToJsonSchema(item));
    }
    return converted;
  }
  if (!schema.is_object()) {
    return schema;
  }
  nlohmann::json converted = nlohmann::json::object();
  for (const auto& [key, value] : schema.items()) {
    if (key != "nullable") {
      converted[key] = ToJsonSchema(value);
    }
  }
  if (schema.value("nullable", false)) {
    return {{"anyOf", nlohmann::json::array({nlohmann::json{{"type", "null"}}, converted})}};
  }
  return converted;
}

// The problem RapidJSON finds when it validates `body` against `schema` of `document`, or an
// empty string when the body is valid.
std::string SchemaViolation(const nlohmann::json& document, const nlohmann::json& schema,
                            const std::string& body) {
  // The root keeps the components, so that "#/components/schemas/NAME" resolves in it.
  const nlohmann::json root = {{"components", ToJsonSchema(document["components"])},
                               {"allOf", nlohmann::json::array({ToJsonSchema(schema)})}};
  rapidjson::Document schema_json;
  schema_json.Parse(root.dump().c_str());
  if (schema_json.HasParseError()) {
    return "the converted schema is not valid JSON";
  }
  const rapidjson::SchemaDocument schema_document(schema_json);
  rapidjson::SchemaValidator validator(schema_document);
  rapidjson::Document instance;
  instance.Parse(body.c_str());
  if (instance.HasParseError()) {
    return "the response body is not JSON";
  }
  if (instance.Accept(validator)) {
    return "";
  }
  rapidjson::StringBuffer schema_pointer;
  validator.GetInvalidSchemaPointer().StringifyUriFragment(schema_pointer);
  rapidjson::StringBuffer document_pointer;
  validator.GetInvalidDocumentPointer().StringifyUriFragment(document_pointer);
  return std::string("the value at ") + document_pointer.GetString() + " fails the keyword \"" +
         validator.GetInvalidSchemaKeyword() + "\" of the schema at " + schema_pointer.GetString();
}

// Starts a notebook session of a one-cell marimo notebook as `user`.
HttpResponse StartNotebookSession(HttpClient& http, const TestUser& user) {
  const std::string notebook =
      "import marimo\napp = marimo.App()\n\n@app.cell\ndef _():\n    x = 1\n    return\n";
  return http.Send({.method = "POST",
                    .path = "/api/v1/notebook-sessions",
                    .body = nlohmann::json{{"source", notebook}}.dump(),
                    .bearer_token = user.access_token});
}

class ApiResponseSchemaTest : public LearningApiTest {};

// Real responses of a sample of routes must match the schema that the document gives for their
// status, so that a field sent as null, missing or of another type fails here.
TEST_P(ApiResponseSchemaTest, ResponsesMatchDocumentedSchemas) {
  const HttpResponse fetched = client().Get("/api/openapi.json");
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  const nlohmann::json document = fetched.Json();

  const TestUser author = Register("schemaauthor");
  const TestUser learner = Register("schemalearner");
  const int64_t lab_id = CreateLab(author);
  const std::string lab = "/api/v1/labs/" + std::to_string(lab_id);
  const HttpResponse asset =
      PostForm(client(), lab + "/assets", {{"files[]", "1,2", "data.csv"}}, author.access_token);
  const HttpResponse comment =
      client().Post(lab + "/comments", {{"content", "A comment"}}, learner.access_token);
  const HttpResponse submission = Submit(learner, lab_id, "x = 1");
  const std::string submission_path =
      "/api/v1/submissions/" + std::to_string(submission.Json().value("id", 0));

  const HttpResponse session = StartNotebookSession(client(), learner);
  const std::string session_path =
      "/api/v1/notebook-sessions/" + session.Json().value("id", std::string("missing"));

  struct Sample {
    std::string method;
    std::string pattern;  // the documented path
    HttpResponse response;
  };
  const std::vector<Sample> samples = {
      {"get", "/api/v1/labs", client().Get("/api/v1/labs")},
      {"get", "/api/v1/labs/{id}", client().Get(lab)},
      {"post", "/api/v1/labs/{id}/assets", asset},
      {"get", "/api/v1/labs/{id}/comments", client().Get(lab + "/comments")},
      {"post", "/api/v1/labs/{id}/comments", comment},
      {"post", "/api/v1/submissions", submission},
      {"get", "/api/v1/submissions/{id}", client().Get(submission_path, learner.access_token)},
      {"get", "/api/v1/submissions/mine",
       client().Get("/api/v1/submissions/mine", learner.access_token)},
      {"get", "/api/v1/users/me", client().Get("/api/v1/users/me", author.access_token)},
      {"get", "/api/v1/users/{id}", client().Get("/api/v1/users/" + std::to_string(author.id))},
      {"get", "/api/v1/tags", client().Get("/api/v1/tags")},
      {"get", "/api/v1/articles", client().Get("/api/v1/articles")},
      {"get", "/api/v1/search", client().Get("/api/v1/search?q=task")},
      {"get", "/api/v1/leaderboard", client().Get("/api/v1/leaderboard")},
      {"get", "/api/v1/reviews/queue", client().Get("/api/v1/reviews/queue", author.access_token)},
      {"get", "/api/v1/labs/{id}", client().Get("/api/v1/labs/999999999")},
      {"post", "/api/v1/notebook-sessions", session},
      {"get", "/api/v1/notebook-sessions/{id}", client().Get(session_path, learner.access_token)},
  };
  client().Send({.method = "DELETE", .path = session_path, .bearer_token = learner.access_token});
  for (const Sample& sample : samples) {
    const std::string status = std::to_string(sample.response.status);
    SCOPED_TRACE(sample.method + " " + sample.pattern + " " + status);
    const nlohmann::json& paths = document["paths"];
    ASSERT_TRUE(paths.contains(sample.pattern));
    const nlohmann::json& responses = paths[sample.pattern][sample.method]["responses"];
    ASSERT_TRUE(responses.contains(status)) << "undocumented status; body " << sample.response.body;
    const nlohmann::json response = Resolve(document, responses[status]);
    const nlohmann::json content = response.value("content", nlohmann::json::object());
    if (!content.contains("application/json")) {
      EXPECT_TRUE(sample.response.body.empty()) << sample.response.body;
      continue;
    }
    const nlohmann::json schema = content["application/json"].value("schema", nlohmann::json());
    EXPECT_EQ(SchemaViolation(document, schema, sample.response.body), "")
        << sample.response.body.substr(0, 2000);
  }
}

// The path of `pattern` with each "{name}" segment replaced by values[name].
std::string FillPath(const std::string& pattern, const std::map<std::string, std::string>& values) {
  std::string path = pattern;
  for (const std::string& name : PathParameterNames(pattern)) {
    const std::string segment = "{" + name + "}";
    const auto value = values.find(name);
    path.replace(path.find(segment), segment.size(),
                 value == values.end() ? "missing-" + name : value->second);
  }
  return path;
}

class UnknownBodyFieldTest : public LearningApiTest {};

// Every operation that the OpenAPI document describes with a JSON request body rejects a key
// that names no field, before it looks at the other fields, with the key in the details.
TEST_P(UnknownBodyFieldTest, EveryJsonBodyRouteRejectsUnknownKeys) {
  const HttpResponse fetched = client().Get("/api/openapi.json");
  ASSERT_EQ(fetched.status, 200) << fetched.body;
  const nlohmann::json document = fetched.Json();

  const TestUser author = Register("unknownkeys");
  const int64_t lab_id = CreateLab(author);
  const HttpResponse session = StartNotebookSession(client(), author);
  ASSERT_EQ(session.status, 201) << session.body;
  const std::string session_id = session.Json().value("id", std::string());
  const std::map<std::string, std::string> values = {{"id", std::to_string(lab_id)},
                                                     {"cell_id", "cell1"},
                                                     {"cell", "cell1"},
                                                     {"widget", "widget1"}};

  int checked = 0;
  for (const auto& [pattern, item] : document["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!IsMethodName(Upper(method))) {
        continue;
      }
      const nlohmann::json body =
          Resolve(document, operation.value("requestBody", nlohmann::json()));
      if (!body.contains("/content/application~1json"_json_pointer)) {
        continue;
      }
      std::map<std::string, std::string> route_values = values;
      if (pattern.starts_with("/api/v1/notebook-sessions/")) {
        route_values["id"] = session_id;
      }
      const std::string path = FillPath(pattern, route_values);
      SCOPED_TRACE(Upper(method) + " " + path);
      const HttpResponse response = client().Send({.method = Upper(method),
                                                   .path = path,
                                                   .body = R"({"unknown_test_field": 1})",
                                                   .bearer_token = author.access_token});
      ExpectErrorResponse(response, 422, "validation_failed");
      bool named = false;
      for (const nlohmann::json& detail :
           response.Json()["error"].value("details", nlohmann::json::array())) {
        named = named || detail.value("field", "") == "unknown_test_field";
      }
      EXPECT_TRUE(named) << response.body;
      ++checked;
    }
  }
  // The document describes more than twenty JSON bodies; fewer means the loop missed them.
  EXPECT_GT(checked, 20);
  client().Send({.method = "DELETE",
                 .path = "/api/v1/notebook-sessions/" + session_id,
                 .bearer_token = author.access_token});
}

INSTANTIATE_TEST_SUITE_P(Dialects, UnknownBodyFieldTest,
                         ::testing::ValuesIn(storage::TestDialects()), DialectTestName);

INSTANTIATE_TEST_SUITE_P(Dialects, ApiResponseSchemaTest,
                         ::testing::ValuesIn(storage::TestDialects()), DialectTestName);

INSTANTIATE_TEST_SUITE_P(Dialects, ApiDescriptionTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
