// GET /api/v1/config on a server whose points and limits differ from the defaults, so that the
// values it returns can only have come from the configuration file.
#include "api_test.h"

namespace openlabs::integration {
namespace {

class ConfigApiTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    if (PostgresMissing(GetParam())) {
      GTEST_SKIP() << kNoPostgresMessage;
    }
  }
};

TEST_P(ConfigApiTest, ReturnsConfiguredSettings) {
  const std::string config =
      "[log]\nlevel = \"warn\"\n"
      "[points]\ninitial_points = 25\n"
      "[submissions]\ncost_points = 4\nmax_file_bytes = 2000000\n"
      "[reviews]\nreward_points = 7\nrequired_count = 2\nclaim_lease_seconds = 3600\n"
      "[labs]\nmax_asset_bytes = 3000000\n"
      "[articles]\nmax_pdf_bytes = 4000000\n";
  auto started = ServerProcess::Start({.dialect = GetParam(), .config_toml = config});
  ASSERT_TRUE(started) << started.error();
  HttpClient client((*started)->base_url());

  const HttpResponse response = client.Get("/api/v1/config");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("cache-control"), "public, max-age=300");
  const nlohmann::json body = response.Json();
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body["points"]["initial_points"], 25);
  EXPECT_EQ(body["submissions"]["cost_points"], 4);
  EXPECT_EQ(body["submissions"]["max_file_bytes"], 2000000);
  EXPECT_EQ(body["submissions"]["max_files"], 10);
  EXPECT_EQ(body["reviews"]["reward_points"], 7);
  EXPECT_EQ(body["reviews"]["required_count"], 2);
  EXPECT_EQ(body["reviews"]["claim_lease_seconds"], 3600);
  EXPECT_EQ(body["labs"]["max_asset_bytes"], 3000000);
  EXPECT_EQ(body["articles"]["max_pdf_bytes"], 4000000);

  const ProcessResult exit = (*started)->Stop();
  EXPECT_TRUE(exit.ExitedWithZero()) << exit.Describe();
}

INSTANTIATE_TEST_SUITE_P(Dialects, ConfigApiTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
