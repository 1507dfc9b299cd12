#include "common/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace openlabs {
namespace {

std::string WriteTempFile(const std::string& text) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("openlabs-config-" + std::to_string(::getpid()) +
                                                "-" + std::to_string(std::rand()) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigTest, DefaultsAreValid) {
  Config config;
  EXPECT_TRUE(ValidateConfig(config).empty());
  EXPECT_EQ(config.EffectiveDatabaseUrl(), "sqlite://data/openlabs.db");
}

TEST(ConfigTest, ReadsTomlFile) {
  const std::string path = WriteTempFile(R"(
[server]
listen = "0.0.0.0:9090"
cors_origins = ["https://labs.example.org"]
[storage]
data_dir = "/var/lib/openlabs"
[log]
format = "json"
)");
  Config config;
  ASSERT_TRUE(LoadConfig({path, false}, config));
  EXPECT_EQ(config.listen_host, "0.0.0.0");
  EXPECT_EQ(config.listen_port, 9090);
  ASSERT_EQ(config.cors_origins.size(), 1u);
  EXPECT_EQ(config.cors_origins[0], "https://labs.example.org");
  EXPECT_EQ(config.data_dir, "/var/lib/openlabs");
  EXPECT_EQ(config.log_format, "json");
  std::filesystem::remove(path);
}

TEST(ConfigTest, ReadsMaxConnections) {
  const std::string path = WriteTempFile("[server]\nmax_connections = 5000\n");
  Config config;
  EXPECT_EQ(config.max_connections, 0);
  ASSERT_TRUE(LoadConfig({path, false}, config));
  EXPECT_EQ(config.max_connections, 5000);
  std::filesystem::remove(path);

  config.max_connections = -1;
  const std::vector<FieldViolation> problems = ValidateConfig(config);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "server.max_connections");
}

TEST(ConfigTest, ReportsEveryProblemAtOnce) {
  const std::string path = WriteTempFile(R"(
[server]
listen = "nonsense"
io_threads = 0
[log]
format = "xml"
level = "loud"
[storage]
database_url = "mysql://x"
)");
  Config config;
  Status status = LoadConfig({path, false}, config);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().details.size(), 5u);
  std::filesystem::remove(path);
}

TEST(ConfigTest, UnknownKeysAreReported) {
  const std::string path = WriteTempFile(R"(
[search]
cached_pagez = 5
[serch]
cached_pages = 5
[server]
io_threads = 0
[notebooks]
pool_size = 1
stray = 1
)");
  Config config;
  Status status = LoadConfig({path, false}, config);
  ASSERT_FALSE(status);
  std::map<std::string, std::string> problems;
  for (const FieldViolation& problem : status.error().details) {
    problems[problem.field] = problem.message;
  }
  EXPECT_EQ(problems.size(), 4u);
  ASSERT_TRUE(problems.contains("search.cached_pagez"));
  EXPECT_NE(problems["search.cached_pagez"].find("cached_pages"), std::string::npos)
      << problems["search.cached_pagez"];
  ASSERT_TRUE(problems.contains("serch"));
  EXPECT_NE(problems["serch"].find("search"), std::string::npos) << problems["serch"];
  EXPECT_TRUE(problems.contains("notebooks.stray"));
  EXPECT_TRUE(problems.contains("server.io_threads"));
  EXPECT_FALSE(problems.contains("notebooks.pool_size"));
  std::filesystem::remove(path);
}

TEST(ConfigTest, KeyOutsideTableIsReported) {
  const std::string path = WriteTempFile("listen = \"127.0.0.1:8080\"\n");
  Config config;
  Status status = LoadConfig({path, false}, config);
  ASSERT_FALSE(status);
  ASSERT_EQ(status.error().details.size(), 1u);
  EXPECT_EQ(status.error().details[0].field, "listen");
  std::filesystem::remove(path);
}

TEST(ConfigTest, ReadsSubmissionAndReviewSettings) {
  const std::string path = WriteTempFile(R"(
[submissions]
max_file_bytes = 1048576
cost_points = 2
[reviews]
reward_points = 5
required_count = 3
claim_lease_seconds = 3600
)");
  Config config;
  ASSERT_TRUE(LoadConfig({path, false}, config));
  EXPECT_EQ(config.submission_max_file_bytes, 1048576);
  EXPECT_EQ(config.submission_cost_points, 2);
  EXPECT_EQ(config.review_reward_points, 5);
  EXPECT_EQ(config.review_required_count, 3);
  EXPECT_EQ(config.review_claim_lease_seconds, 3600);
  std::filesystem::remove(path);
}

TEST(ConfigTest, InvalidReviewSettingsAreReported) {
  Config config;
  config.review_required_count = 0;
  config.review_claim_lease_seconds = 1;
  config.submission_max_file_bytes = 0;
  EXPECT_EQ(ValidateConfig(config).size(), 3u);
}

TEST(ConfigTest, ReadsAuthLimits) {
  const std::string path = WriteTempFile(R"(
[auth]
mfa_attempts_per_account = 4
mfa_window_seconds = 60
refresh_reuse_grace_seconds = 0
)");
  Config config;
  ASSERT_TRUE(LoadConfig({path, false}, config));
  EXPECT_EQ(config.mfa_attempts_per_account, 4);
  EXPECT_EQ(config.mfa_window_seconds, 60);
  EXPECT_EQ(config.refresh_reuse_grace_seconds, 0);
  EXPECT_TRUE(ValidateConfig(config).empty());
  std::filesystem::remove(path);
}

TEST(ConfigTest, InvalidAuthLimitsAreReported) {
  Config config;
  config.mfa_attempts_per_account = 0;
  config.mfa_window_seconds = 0;
  config.refresh_reuse_grace_seconds = 301;
  std::set<std::string> fields;
  for (const FieldViolation& problem : ValidateConfig(config)) {
    fields.insert(problem.field);
  }
  EXPECT_EQ(fields,
            (std::set<std::string>{"auth.mfa_attempts_per_account", "auth.mfa_window_seconds",
                                   "auth.refresh_reuse_grace_seconds"}));
}

TEST(ConfigTest, WrongTypeIsReported) {
  const std::string path = WriteTempFile("[server]\nio_threads = \"two\"\n");
  Config config;
  Status status = LoadConfig({path, false}, config);
  ASSERT_FALSE(status);
  ASSERT_EQ(status.error().details.size(), 1u);
  EXPECT_EQ(status.error().details[0].field, "server.io_threads");
  std::filesystem::remove(path);
}

TEST(ConfigTest, UnparsableFileIsReported) {
  const std::string path = WriteTempFile("[server\n");
  Config config;
  EXPECT_FALSE(LoadConfig({path, false}, config));
  std::filesystem::remove(path);
}

TEST(ConfigTest, EnvironmentOverridesFile) {
  const std::string path = WriteTempFile("[storage]\ndatabase_url = \"sqlite://a.db\"\n");
  ::setenv("OPENLABS_DATABASE_URL", "postgresql://localhost/openlabs", 1);
  Config config;
  ASSERT_TRUE(LoadConfig({path, true}, config));
  ::unsetenv("OPENLABS_DATABASE_URL");
  EXPECT_EQ(config.database_url, "postgresql://localhost/openlabs");
  std::filesystem::remove(path);
}

TEST(ConfigTest, ReadsS3BlobSettings) {
  const std::string path = WriteTempFile(R"(
[storage]
blob_url = "s3://openlabs-blobs/prod?endpoint=http://127.0.0.1:9000"
s3_access_key_id = "key"
s3_secret_access_key = "secret"
)");
  Config config;
  ASSERT_TRUE(LoadConfig({path, false}, config));
  EXPECT_EQ(config.blob_url, "s3://openlabs-blobs/prod?endpoint=http://127.0.0.1:9000");
  EXPECT_EQ(config.s3_access_key_id, "key");
  EXPECT_EQ(config.s3_secret_access_key, "secret");
  std::filesystem::remove(path);
}

TEST(ConfigTest, InvalidBlobUrlAndMissingKeysAreReported) {
  const std::string path = WriteTempFile("[storage]\nblob_url = \"s3://Bad_Bucket\"\n");
  Config config;
  Status status = LoadConfig({path, false}, config);
  ASSERT_FALSE(status);
  std::map<std::string, std::string> problems;
  for (const FieldViolation& problem : status.error().details) {
    problems[problem.field] = problem.message;
  }
  EXPECT_NE(problems["storage.blob_url"].find("Bad_Bucket"), std::string::npos);
  EXPECT_NE(problems["storage.s3_access_key_id"].find("AWS_ACCESS_KEY_ID"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace openlabs
