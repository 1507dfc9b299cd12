#include "common/proto_json.h"

#include <gtest/gtest.h>

#include "openlabs/v1/auth.pb.h"
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
  const nlohmann::json json = {{"username", "ada"}, {"password", "secret"}, {"unknown", 1}};
  ASSERT_TRUE(JsonToProto(json, request));
  EXPECT_EQ(request.username(), "ada");
  EXPECT_EQ(request.password(), "secret");
}

TEST(ProtoJsonTest, ReportsEveryWrongType) {
  v1::RegisterRequest request;
  const nlohmann::json json = {{"username", 5}, {"email", true}, {"name", "ok"}};
  Status status = JsonToProto(json, request);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
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
  EXPECT_FALSE(JsonToProto(nlohmann::json::array({1, 2}), request));
  EXPECT_FALSE(JsonToProto("text", request));
}

TEST(ProtoJsonTest, OptionalStringPresenceFollowsJson) {
  v1::UpdateProfileRequest request;
  ASSERT_TRUE(JsonToProto({{"name", "Ada"}, {"bio", nullptr}}, request));
  EXPECT_TRUE(request.has_name());
  EXPECT_FALSE(request.has_bio());
  EXPECT_FALSE(request.has_surname());
}

}  // namespace
}  // namespace openlabs
