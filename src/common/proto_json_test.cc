#include "common/proto_json.h"

#include <google/protobuf/type.pb.h>
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "openlabs/v1/auth.pb.h"
#include "openlabs/v1/grading.pb.h"
#include "openlabs/v1/labs.pb.h"
#include "openlabs/v1/users.pb.h"

namespace openlabs {
namespace {

TEST(ProtoJsonTest, Int64StaysNumber) {
  v1::User user;
  user.set_id(9007199254740993);
  user.set_username("ada");
  const nlohmann::json json = ProtoToJson(user);
  ASSERT_TRUE(json["id"].is_number_integer());
  EXPECT_EQ(json["id"].get<int64_t>(), 9007199254740993);
  EXPECT_EQ(json["username"], "ada");
}

TEST(ProtoJsonTest, UnsetOptionalFieldsAreOmitted) {
  v1::User user;
  user.set_id(1);
  nlohmann::json json = ProtoToJson(user);
  EXPECT_FALSE(json.contains("email"));
  EXPECT_FALSE(json.contains("balance"));
  EXPECT_TRUE(json.contains("labs_solved"));

  user.set_balance(0);
  json = ProtoToJson(user);
  ASSERT_TRUE(json.contains("balance"));
  EXPECT_EQ(json["balance"], 0);
}

TEST(ProtoJsonTest, RepeatedAndNestedFields) {
  v1::ListLedgerResponse page;
  page.set_total(2);
  page.add_items()->set_reason("signup");
  page.add_items()->set_reason("review");
  const nlohmann::json json = ProtoToJson(page);
  ASSERT_EQ(json["items"].size(), 2u);
  EXPECT_EQ(json["items"][1]["reason"], "review");
}

TEST(ProtoJsonTest, ParsesRequest) {
  v1::RegisterRequest request;
  const nlohmann::json json = {{"username", "ada"}, {"password", "secret"}};
  ASSERT_TRUE(JsonToProto(json, request));
  EXPECT_EQ(request.username(), "ada");
  EXPECT_EQ(request.password(), "secret");
}

TEST(ProtoJsonTest, RejectsUnknownFieldsByPath) {
  v1::PutRubricRequest request;
  const nlohmann::json json = {{"enabled", true},
                               {"colour", "red"},
                               {"scale", {{"min", 0}, {"max", 5}, {"step", 1}}},
                               {"criteria", {{{"name", "a"}}, {{"name", "b"}, {"weight", 2}}}},
                               {"extra", nullptr}};
  const Status status = JsonToProto(json, request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(status.error().message, "The request body has fields that this route does not accept.");
  std::vector<std::string> fields;
  for (const FieldViolation& detail : status.error().details) {
    fields.push_back(detail.field);
  }
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields,
            (std::vector<std::string>{"colour", "criteria[1].weight", "extra", "scale.step"}));
  for (const FieldViolation& detail : status.error().details) {
    if (detail.field == "scale.step") {
      EXPECT_EQ(detail.message, "is not a field of this object; it accepts min, max");
    }
  }
  // The known fields are still set.
  EXPECT_TRUE(request.enabled());
  EXPECT_EQ(request.scale().max(), 5);
  EXPECT_EQ(request.criteria_size(), 2);
}

TEST(ProtoJsonTest, UnknownAndWrongTypeTogether) {
  v1::RegisterRequest request;
  const Status status = JsonToProto({{"username", 5}, {"nickname", "ada"}}, request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().details.size(), 2u);
  EXPECT_EQ(status.error().message,
            "The request body has fields that this route does not accept and fields of the "
            "wrong type.");
}

TEST(ProtoJsonTest, IgnoresUnknownFieldsWhenAsked) {
  v1::RubricScale scale;
  ASSERT_TRUE(JsonToProto({{"min", 1}, {"max", 4}, {"step", 1}}, scale, UnknownFields::kIgnore));
  EXPECT_EQ(scale.min(), 1);
  EXPECT_EQ(scale.max(), 4);
}

TEST(ProtoJsonTest, CheckJsonFieldsNamesNestedKeys) {
  constexpr std::string_view kFields[] = {"scope", "scope.lab_id", "scope.article_id", "message",
                                          "value"};
  EXPECT_TRUE(CheckJsonFields({{"scope", {{"lab_id", 1}}}, {"message", "hi"}}, kFields));
  // "value" has no accepted keys below it, so any object is allowed there.
  EXPECT_TRUE(CheckJsonFields({{"value", {{"anything", {{"deep", 1}}}}}}, kFields));

  const Status status =
      CheckJsonFields({{"scope", {{"lab_id", 1}, {"lab", 2}}}, {"mesage", "hi"}}, kFields);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(status.error().details.size(), 2u);
  EXPECT_EQ(status.error().details[0].field, "mesage");
  EXPECT_EQ(status.error().details[0].message,
            "is not a field of this object; it accepts scope, message, value");
  EXPECT_EQ(status.error().details[1].field, "scope.lab");
  EXPECT_EQ(status.error().details[1].message,
            "is not a field of this object; it accepts lab_id, article_id");

  const Status not_object = CheckJsonFields(nlohmann::json::array(), kFields);
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().details[0].field, "body");
}

TEST(ProtoJsonTest, ReportsEveryWrongType) {
  v1::RegisterRequest request;
  const nlohmann::json json = {{"username", 5}, {"email", true}, {"name", "ok"}};
  Status status = JsonToProto(json, request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(status.error().details.size(), 2u);
}

TEST(ProtoJsonTest, RejectsOutOfRangeInt32) {
  v1::ListLedgerRequest request;
  Status status = JsonToProto({{"page", int64_t{1} << 40}}, request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().details[0].field, "page");
}

TEST(ProtoJsonTest, RejectsNonObject) {
  v1::RegisterRequest request;
  const Status array = JsonToProto(nlohmann::json::array({1, 2}), request);
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(array.error().details.size(), 1u);
  EXPECT_EQ(array.error().details[0].field, "body");
  EXPECT_FALSE(JsonToProto("text", request));
}

TEST(ProtoJsonTest, OptionalStringPresenceFollowsJson) {
  v1::UpdateProfileRequest request;
  ASSERT_TRUE(JsonToProto({{"name", "Ada"}, {"bio", nullptr}}, request));
  EXPECT_TRUE(request.has_name());
  EXPECT_FALSE(request.has_bio());
  EXPECT_FALSE(request.has_surname());
}

TEST(ProtoJsonTest, UnsetFieldWrittenAsNull) {
  v1::GradingJob job;
  job.set_job_id(4);
  nlohmann::json json = ProtoToJson(job);
  ASSERT_TRUE(json.contains("score"));
  EXPECT_TRUE(json["score"].is_null());
  ASSERT_TRUE(json.contains("previous_score"));
  EXPECT_TRUE(json["previous_score"].is_null());
  EXPECT_FALSE(json.contains("finished_at"));
  EXPECT_FALSE(json.contains("error"));

  job.set_score(0);
  json = ProtoToJson(job);
  EXPECT_EQ(json["score"], 0.0);
}

TEST(ProtoJsonTest, EmptyListLeftOut) {
  v1::Grader grader;
  nlohmann::json json = ProtoToJson(grader);
  EXPECT_FALSE(json.contains("tests"));

  grader.add_tests()->set_name("one");
  json = ProtoToJson(grader);
  ASSERT_EQ(json["tests"].size(), 1u);
  EXPECT_EQ(json["tests"][0]["name"], "one");
}

TEST(ProtoJsonTest, NullParsesAsUnset) {
  v1::GradingJob job;
  ASSERT_TRUE(JsonToProto({{"score", nullptr}, {"max_score", 2.5}}, job));
  EXPECT_FALSE(job.has_score());
  EXPECT_TRUE(job.has_max_score());
}

// The text that ProtoToJsonText must reproduce byte for byte.
std::string DumpedByNlohmann(const google::protobuf::Message& message) {
  return ProtoToJson(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(ProtoJsonTextTest, LabMatchesNlohmannDump) {
  v1::Lab lab;
  lab.set_id(9007199254740993);
  lab.set_title("Caf\xc3\xa9 \"quoted\" \\ back\\slash");
  lab.set_body("# Title\n\nSome `code` with \"quotes\", tabs\tand \r\n line ends.\n"
               "Math: $\\alpha \\le \\beta$ \xe2\x80\x94 and \xf0\x9f\x98\x80 emoji.\n"
               "A long run of plain text that spans more than sixteen bytes.");
  lab.add_tags("python");
  lab.add_tags("machine-learning");
  lab.set_views(-5);
  v1::LabAsset* asset = lab.add_assets();
  asset->set_id("a1");
  asset->set_path("img/x.png");
  asset->set_size(int64_t{1} << 40);
  lab.set_source_key("labs/one.md");
  EXPECT_EQ(ProtoToJsonText(lab), DumpedByNlohmann(lab));
}

TEST(ProtoJsonTextTest, EmptyMessagesAndLists) {
  v1::Lab lab;
  EXPECT_EQ(ProtoToJsonText(lab), DumpedByNlohmann(lab));
  v1::ListLabsResponse page;
  EXPECT_EQ(ProtoToJsonText(page), DumpedByNlohmann(page));
  page.add_items()->set_title("one");
  page.add_items();
  EXPECT_EQ(ProtoToJsonText(page), DumpedByNlohmann(page));
}

TEST(ProtoJsonTextTest, UnsetOptionalFieldsAreOmitted) {
  v1::User user;
  user.set_id(1);
  EXPECT_EQ(ProtoToJsonText(user), DumpedByNlohmann(user));
  user.set_balance(0);
  user.set_email("ada@example.org");
  EXPECT_EQ(ProtoToJsonText(user), DumpedByNlohmann(user));
}

TEST(ProtoJsonTextTest, EnumsBoolsAndNestedMessages) {
  google::protobuf::Field field;
  field.set_kind(google::protobuf::Field::TYPE_STRING);
  field.set_cardinality(google::protobuf::Field::CARDINALITY_REPEATED);
  field.set_number(-7);
  field.set_packed(true);
  field.set_name("name");
  field.add_options()->set_name("deprecated");
  EXPECT_EQ(ProtoToJsonText(field), DumpedByNlohmann(field));
}

TEST(ProtoJsonTextTest, FloatingPointNumbers) {
  const std::vector<double> values = {0.0,  -0.0, 0.1, 1.5, 1e20, 1e-7, 123456789.125,
                                      1e300, std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity()};
  for (const double value : values) {
    google::protobuf::DoubleValue number;
    number.set_value(value);
    EXPECT_EQ(ProtoToJsonText(number), DumpedByNlohmann(number)) << value;
    google::protobuf::FloatValue single;
    single.set_value(static_cast<float>(value));
    EXPECT_EQ(ProtoToJsonText(single), DumpedByNlohmann(single)) << value;
  }
}

TEST(ProtoJsonTextTest, ControlCharactersAndInvalidUtf8) {
  const std::vector<std::string> texts = {
      std::string("nul \0 inside", 12),
      "\x01\x0b\x1f\x7f",
      "plain ascii text that is longer than eight bytes\x0b",
      "truncated at the end \xe2\x80",
      "\xf0",
      "overlong \xc0\xaf slash",
      "surrogate \xed\xa0\x80 half",
      "above U+10FFFF \xf4\x90\x80\x80",
      "lone continuation \x80 byte",
      "valid \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 then \xff",
  };
  for (const std::string& text : texts) {
    v1::Lab lab;
    lab.set_body(text);
    EXPECT_EQ(ProtoToJsonText(lab), DumpedByNlohmann(lab)) << text;
  }
}

// Random texts of 0 to 96 bytes, mostly lower-case letters with quotes, control characters and
// valid and invalid UTF-8 sequences mixed in, as a lab's title and tag.
TEST(ProtoJsonTextTest, RandomTextsMatchNlohmannDump) {
  std::mt19937 random(20261205);
  const std::vector<std::string> pieces = {"a", "Z", " ", "\"", "\\", "\n", "\t", "\x01", "\x1f",
                                           "\xc3\xa9", "\xe2\x80\x94", "\xf0\x9f\x98\x80",
                                           "\xc3", "\x80", "\xff", "\xed\xa0\x80", "/", "\x7f"};
  std::uniform_int_distribution<size_t> piece(0, pieces.size() - 1);
  std::uniform_int_distribution<int> plain(0, 9);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const size_t length = static_cast<size_t>(round % 97);
    while (text.size() < length) {
      text += plain(random) < 7 ? std::string(1, static_cast<char>('a' + plain(random)))
                                : pieces[piece(random)];
    }
    v1::Lab lab;
    lab.set_title(text);
    lab.add_tags(text);
    EXPECT_EQ(ProtoToJsonText(lab), DumpedByNlohmann(lab)) << "round " << round;
  }
}

TEST(ProtoJsonTextTest, JsonOptionsMatchNlohmannDump) {
  v1::GradingJob unscored;
  unscored.set_job_id(4);
  v1::GradingJob scored = unscored;
  scored.set_score(1.5);
  v1::Grader public_view;
  v1::Grader manager_view;
  manager_view.add_tests()->set_name("one");

  EXPECT_EQ(ProtoToJsonText(unscored), DumpedByNlohmann(unscored));
  EXPECT_NE(ProtoToJsonText(unscored).find("\"score\":null"), std::string::npos);
  EXPECT_EQ(ProtoToJsonText(scored), DumpedByNlohmann(scored));
  EXPECT_EQ(ProtoToJsonText(public_view), DumpedByNlohmann(public_view));
  EXPECT_EQ(ProtoToJsonText(public_view).find("\"tests\""), std::string::npos);
  EXPECT_EQ(ProtoToJsonText(manager_view), DumpedByNlohmann(manager_view));
}

}  // namespace
}  // namespace openlabs
