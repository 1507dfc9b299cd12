#include "gateway/api/openapi_document.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace openlabs::gateway {
namespace {

constexpr std::string_view kRoot = R"yaml(
openapi: "3.0.3"
info: {title: Test, version: "1"}
components:
  schemas:
    Error: {type: object}
)yaml";

// The embedded descriptor set, with YAML files in place of the embedded ones.
std::vector<EmbeddedFile> Sources(std::vector<EmbeddedFile> yaml) {
  for (const EmbeddedFile& file : OpenApiSourceFiles()) {
    if (file.name == "openlabs_v1.desc") {
      yaml.push_back(file);
    }
  }
  return yaml;
}

TEST(OpenApiDocumentTest, EmbeddedDocumentBuilds) {
  Result<nlohmann::json> document = BuildOpenApiDocument(OpenApiSourceFiles());
  ASSERT_TRUE(document) << document.error().internal;
  EXPECT_EQ((*document)["openapi"], "3.0.3");
  EXPECT_TRUE(document->contains("/paths/~1api~1v1~1labs/get"_json_pointer));
}

bool Contains(const nlohmann::json& array, const std::string& value) {
  return std::find(array.begin(), array.end(), value) != array.end();
}

TEST(OpenApiDocumentTest, JsonOptionsShapeSchemas) {
  Result<nlohmann::json> document = BuildOpenApiDocument(OpenApiSourceFiles());
  ASSERT_TRUE(document) << document.error().internal;
  const nlohmann::json& job = (*document)["components"]["schemas"]["GradingJob"];
  const nlohmann::json& grader = (*document)["components"]["schemas"]["Grader"];

  EXPECT_TRUE(Contains(job["required"], "score")) << job;
  EXPECT_EQ(job["properties"]["score"]["nullable"], true) << job;
  EXPECT_FALSE(Contains(job["required"], "finished_at")) << job;
  EXPECT_FALSE(job["properties"]["finished_at"].contains("nullable")) << job;
  EXPECT_TRUE(Contains(job["required"], "job_id")) << job;
  EXPECT_FALSE(Contains(grader["required"], "tests")) << grader;
  EXPECT_EQ(grader["properties"]["tests"]["type"], "array") << grader;
}

TEST(OpenApiDocumentTest, PlainScalarsGetYamlTypes) {
  const std::string part = R"yaml(
paths:
  /x:
    get:
      x-values: [12, -3, 2.5, true, false, null, "12", 3.0.3, text]
      responses: {"200": {description: ok}}
)yaml";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"x.yaml", part}}));
  ASSERT_TRUE(document) << document.error().internal;
  const nlohmann::json values = (*document)["paths"]["/x"]["get"]["x-values"];
  EXPECT_EQ(values[0], 12);
  EXPECT_EQ(values[1], -3);
  EXPECT_EQ(values[2], 2.5);
  EXPECT_EQ(values[3], true);
  EXPECT_EQ(values[4], false);
  EXPECT_TRUE(values[5].is_null());
  EXPECT_EQ(values[6], "12");
  EXPECT_EQ(values[7], "3.0.3");
  EXPECT_EQ(values[8], "text");
}

TEST(OpenApiDocumentTest, MergesMethodsOfOnePathFromTwoFiles) {
  const std::string first = "paths:\n  /x:\n    get: {responses: {}}\n";
  const std::string second = "paths:\n  /x:\n    post: {responses: {}}\n";
  Result<nlohmann::json> document = BuildOpenApiDocument(
      Sources({{"openapi.yaml", kRoot}, {"a.yaml", first}, {"b.yaml", second}}));
  ASSERT_TRUE(document) << document.error().internal;
  EXPECT_TRUE((*document)["paths"]["/x"].contains("get"));
  EXPECT_TRUE((*document)["paths"]["/x"].contains("post"));
}

TEST(OpenApiDocumentTest, RejectsAnOperationDescribedTwice) {
  const std::string part = "paths:\n  /x:\n    get: {responses: {}}\n";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"a.yaml", part}, {"b.yaml", part}}));
  ASSERT_FALSE(document);
  EXPECT_NE(document.error().internal.find("b.yaml: get /x is already described"),
            std::string::npos)
      << document.error().internal;
}

TEST(OpenApiDocumentTest, RejectsAComponentDefinedTwice) {
  const std::string part = "components:\n  schemas:\n    Error: {type: string}\n";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"a.yaml", part}}));
  ASSERT_FALSE(document);
  EXPECT_NE(document.error().internal.find("components/schemas/Error"), std::string::npos)
      << document.error().internal;
}

TEST(OpenApiDocumentTest, RejectsTopLevelKeysOutsideTheRoot) {
  const std::string part = "info: {title: Other}\n";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"a.yaml", part}}));
  ASSERT_FALSE(document);
  EXPECT_NE(document.error().internal.find("a.yaml: the top-level key \"info\""), std::string::npos)
      << document.error().internal;
}

TEST(OpenApiDocumentTest, ReportsTheFileOfAYamlSyntaxError) {
  const std::string part = "paths:\n  /x: [unclosed\n";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"broken.yaml", part}}));
  ASSERT_FALSE(document);
  EXPECT_NE(document.error().internal.find("broken.yaml"), std::string::npos)
      << document.error().internal;
}

TEST(OpenApiDocumentTest, GeneratesMessageSchemasWithNestedReferences) {
  const std::string part = R"yaml(
paths:
  /comments:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ListCommentsResponse"}
)yaml";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"c.yaml", part}}));
  ASSERT_TRUE(document) << document.error().internal;
  const nlohmann::json& schemas = (*document)["components"]["schemas"];
  ASSERT_TRUE(schemas.contains("ListCommentsResponse"));
  ASSERT_TRUE(schemas.contains("Comment"));

  const nlohmann::json& list = schemas["ListCommentsResponse"];
  EXPECT_EQ(list["properties"]["items"]["items"]["$ref"], "#/components/schemas/Comment");
  EXPECT_EQ(list["properties"]["total"]["format"], "int64");
  EXPECT_EQ(list["properties"]["page"]["format"], "int32");

  // The comment's own replies refer back to it, and its .proto comments become descriptions.
  const nlohmann::json& comment = schemas["Comment"];
  EXPECT_EQ(comment["properties"]["replies"]["items"]["$ref"], "#/components/schemas/Comment");
  EXPECT_EQ(comment["properties"]["created_at"]["description"], "Unix milliseconds");
  EXPECT_NE(comment.value("description", "").find("placeholder"), std::string::npos);
}

TEST(OpenApiDocumentTest, OptionalFieldsAreNotRequired) {
  const std::string part =
      "paths:\n  /u:\n    get:\n      responses:\n        \"200\":\n          description: ok\n"
      "          content:\n            application/json:\n              schema:\n"
      "                $ref: \"#/components/schemas/User\"\n";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"u.yaml", part}}));
  ASSERT_TRUE(document) << document.error().internal;
  const nlohmann::json required = (*document)["components"]["schemas"]["User"]["required"];
  EXPECT_NE(std::find(required.begin(), required.end(), "id"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "email"), required.end());
  EXPECT_EQ(std::find(required.begin(), required.end(), "balance"), required.end());
}

TEST(OpenApiDocumentTest, RejectsAReferenceToNothing) {
  const std::string part = R"yaml(
paths:
  /x:
    get:
      parameters: [{$ref: "#/components/parameters/Missing"}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/NoSuchMessage"}
)yaml";
  Result<nlohmann::json> document =
      BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"x.yaml", part}}));
  ASSERT_FALSE(document);
  EXPECT_NE(document.error().internal.find("openlabs.v1.NoSuchMessage"), std::string::npos)
      << document.error().internal;

  const std::string only_parameter =
      "paths:\n  /x:\n    get:\n      parameters: [{$ref: \"#/components/parameters/Missing\"}]\n";
  document = BuildOpenApiDocument(Sources({{"openapi.yaml", kRoot}, {"x.yaml", only_parameter}}));
  ASSERT_FALSE(document);
  EXPECT_NE(document.error().internal.find("#/components/parameters/Missing"), std::string::npos)
      << document.error().internal;
}

}  // namespace
}  // namespace openlabs::gateway
