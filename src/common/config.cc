#include "common/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string_view>

#include "common/random.h"
#include "common/s3_url.h"

namespace openlabs {
namespace {

// One integer key of the [notebooks] table with its valid range.
struct NotebookSetting {
  const char* key;
  int64_t* value;
  int64_t min;
  int64_t max;
};

std::vector<NotebookSetting> NotebookSettings(Config& config) {
  Config::Notebooks& n = config.notebooks;
  constexpr int64_t kGiB = int64_t{1} << 30;
  return {
      {"notebooks.cell_cpu_seconds", &n.cell_cpu_seconds, 1, 3600},
      {"notebooks.cell_wall_seconds", &n.cell_wall_seconds, 1, 7200},
      {"notebooks.session_cpu_seconds", &n.session_cpu_seconds, 1, 86400},
      {"notebooks.memory_bytes", &n.memory_bytes, 64 << 20, 64 * kGiB},
      {"notebooks.max_processes", &n.max_processes, 8, 4096},
      {"notebooks.max_open_files", &n.max_open_files, 32, 65536},
      {"notebooks.max_file_bytes", &n.max_file_bytes, 1 << 20, 64 * kGiB},
      {"notebooks.work_bytes", &n.work_bytes, 1 << 20, 64 * kGiB},
      {"notebooks.tmp_bytes", &n.tmp_bytes, 1 << 20, 64 * kGiB},
      {"notebooks.idle_timeout_seconds", &n.idle_timeout_seconds, 10, 7 * 86400},
      {"notebooks.max_lifetime_seconds", &n.max_lifetime_seconds, 60, 30 * 86400},
      {"notebooks.max_sessions_per_user", &n.max_sessions_per_user, 1, 100},
      {"notebooks.max_sessions", &n.max_sessions, 1, 10000},
      {"notebooks.pool_size", &n.pool_size, 0, 1000},
      {"notebooks.sandbox_first_uid", &n.sandbox_first_uid, 0, 4'000'000'000},
      {"notebooks.sandbox_uid_count", &n.sandbox_uid_count, 1, 100000},
      {"notebooks.websocket_max_message_bytes", &n.websocket_max_message_bytes, 1024, 64 << 20},
      {"notebooks.websocket_messages_per_second", &n.websocket_messages_per_second, 1, 10000},
      {"notebooks.max_widget_upload_bytes", &n.max_widget_upload_bytes, 1024, 64 << 20},
  };
}

// Collects problems while reading, so that the caller sees all of them at once.
class ConfigReader {
 public:
  explicit ConfigReader(std::vector<FieldViolation>& problems) : problems_(problems) {}

  void ReadToml(const toml::table& root, Config& config) {
    Read(root, "server.listen", [&](const toml::node& node) {
      if (auto text = node.value<std::string>()) {
        ParseListen(*text, "server.listen", config);
        return true;
      }
      return false;
    });
    ReadInt(root, "server.io_threads", config.io_threads);
    ReadInt(root, "server.worker_threads", config.worker_threads);
    ReadInt(root, "server.max_body_bytes", config.max_body_bytes);
    ReadInt(root, "server.request_timeout_seconds", config.request_timeout_seconds);
    ReadInt(root, "server.idle_timeout_seconds", config.idle_timeout_seconds);
    ReadInt(root, "server.max_connections", config.max_connections);
    ReadInt(root, "server.shutdown_grace_seconds", config.shutdown_grace_seconds);
    ReadString(root, "server.web_root", config.web_root);
    Read(root, "server.cors_origins", [&](const toml::node& node) {
      const toml::array* items = node.as_array();
      if (items == nullptr) {
        return false;
      }
      config.cors_origins.clear();
      for (const toml::node& item : *items) {
        if (auto origin = item.value<std::string>()) {
          config.cors_origins.push_back(*origin);
        } else {
          problems_.push_back({"server.cors_origins", "every origin must be a string"});
        }
      }
      return true;
    });
    ReadString(root, "storage.data_dir", config.data_dir);
    ReadString(root, "storage.database_url", config.database_url);
    ReadInt(root, "storage.database_pool_size", config.database_pool_size);
    ReadString(root, "storage.blob_url", config.blob_url);
    ReadString(root, "storage.s3_access_key_id", config.s3_access_key_id);
    ReadString(root, "storage.s3_secret_access_key", config.s3_secret_access_key);
    ReadString(root, "log.format", config.log_format);
    ReadString(root, "log.level", config.log_level);
    ReadString(root, "auth.jwt_issuer", config.jwt_issuer);
    ReadInt(root, "auth.access_token_ttl_seconds", config.access_token_ttl_seconds);
    ReadInt(root, "auth.refresh_token_ttl_seconds", config.refresh_token_ttl_seconds);
    ReadInt(root, "auth.login_attempts_per_account", config.login_attempts_per_account);
    ReadInt(root, "auth.login_attempts_per_address", config.login_attempts_per_address);
    ReadInt(root, "auth.login_window_seconds", config.login_window_seconds);
    ReadInt(root, "auth.mfa_attempts_per_account", config.mfa_attempts_per_account);
    ReadInt(root, "auth.mfa_window_seconds", config.mfa_window_seconds);
    ReadInt(root, "auth.refresh_reuse_grace_seconds", config.refresh_reuse_grace_seconds);
    ReadString(root, "auth.totp_issuer", config.totp_issuer);
    ReadInt(root, "points.initial_points", config.initial_points);
    ReadInt(root, "submissions.max_file_bytes", config.submission_max_file_bytes);
    ReadInt(root, "submissions.cost_points", config.submission_cost_points);
    ReadInt(root, "reviews.reward_points", config.review_reward_points);
    ReadInt(root, "reviews.required_count", config.review_required_count);
    ReadInt(root, "reviews.claim_lease_seconds", config.review_claim_lease_seconds);
    ReadInt(root, "grading.workers", config.grading_workers);
    ReadInt(root, "grading.lease_seconds", config.grading_lease_seconds);
    ReadInt(root, "grading.max_attempts", config.grading_max_attempts);
    ReadInt(root, "grading.retry_base_seconds", config.grading_retry_base_seconds);
    ReadInt(root, "grading.reconcile_interval_seconds", config.grading_reconcile_interval_seconds);
    ReadInt(root, "grading.max_archive_bytes", config.grading_max_archive_bytes);
    ReadInt(root, "labs.max_asset_bytes", config.labs_max_asset_bytes);
    ReadInt(root, "articles.max_pdf_bytes", config.articles_max_pdf_bytes);
    ReadInt(root, "search.cached_pages", config.search_cached_pages);
    ReadString(root, "assistant.chat_base_url", config.assistant_chat_base_url);
    ReadString(root, "assistant.chat_model", config.assistant_chat_model);
    ReadString(root, "assistant.chat_api_key", config.assistant_chat_api_key);
    ReadString(root, "assistant.embedding_base_url", config.assistant_embedding_base_url);
    ReadString(root, "assistant.embedding_model", config.assistant_embedding_model);
    ReadString(root, "assistant.embedding_api_key", config.assistant_embedding_api_key);
    ReadInt(root, "assistant.model_timeout_seconds", config.assistant_model_timeout_seconds);
    ReadInt(root, "assistant.messages_per_minute", config.assistant_messages_per_minute);
    ReadInt(root, "assistant.answer_threads", config.assistant_answer_threads);
    ReadInt(root, "assistant.resync_interval_seconds", config.assistant_resync_interval_seconds);
    for (const NotebookSetting& setting : NotebookSettings(config)) {
      ReadInt(root, setting.key, *setting.value);
    }
    ReportUnknownKeys(root);
  }

  void ReadEnvironment(Config& config) {
    if (const char* listen = std::getenv("OPENLABS_LISTEN")) {
      ParseListen(listen, "OPENLABS_LISTEN", config);
    }
    if (const char* dir = std::getenv("OPENLABS_DATA_DIR")) {
      config.data_dir = dir;
    }
    if (const char* url = std::getenv("OPENLABS_DATABASE_URL")) {
      config.database_url = url;
    }
    if (const char* url = std::getenv("OPENLABS_BLOB_URL")) {
      config.blob_url = url;
    }
    // The variables that AWS's own tools read, so one set of credentials serves both.
    if (const char* key = std::getenv("AWS_ACCESS_KEY_ID")) {
      config.s3_access_key_id = key;
    }
    if (const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY")) {
      config.s3_secret_access_key = secret;
    }
    if (const char* token = std::getenv("AWS_SESSION_TOKEN")) {
      config.s3_session_token = token;
    }
    if (const char* format = std::getenv("OPENLABS_LOG_FORMAT")) {
      config.log_format = format;
    }
    if (const char* level = std::getenv("OPENLABS_LOG_LEVEL")) {
      config.log_level = level;
    }
    if (const char* root = std::getenv("OPENLABS_WEB_ROOT")) {
      config.web_root = root;
    }
    // API keys are secrets, so they may come from the environment instead of the file.
    if (const char* key = std::getenv("OPENLABS_ASSISTANT_CHAT_API_KEY")) {
      config.assistant_chat_api_key = key;
    }
    if (const char* key = std::getenv("OPENLABS_ASSISTANT_EMBEDDING_API_KEY")) {
      config.assistant_embedding_api_key = key;
    }
  }

  void ParseListen(std::string_view text, const char* field, Config& config) {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      problems_.push_back({field, "must be HOST:PORT, for example 127.0.0.1:8080"});
      return;
    }
    const std::string port_text(text.substr(colon + 1));
    char* end = nullptr;
    const long port = std::strtol(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
      problems_.push_back({field, "port must be a number from 0 to 65535"});
      return;
    }
    config.listen_host = std::string(text.substr(0, colon));
    config.listen_port = static_cast<uint16_t>(port);
  }

 private:
  // Reports each key of the file that no Read call asked for, such as a misspelled setting,
  // which would otherwise leave the default in place without a word.
  void ReportUnknownKeys(const toml::table& root) {
    std::string tables;
    for (const auto& [table, keys] : known_keys_) {
      tables += (tables.empty() ? "" : ", ") + table;
    }
    for (const auto& [key, node] : root) {
      const std::string table(key.str());
      const toml::table* settings = node.as_table();
      const auto known = known_keys_.find(table);
      if (settings == nullptr || known == known_keys_.end()) {
        problems_.push_back({table, "is not a known table; the tables are " + tables});
        continue;
      }
      for (const auto& [setting, value] : *settings) {
        const std::string name(setting.str());
        if (std::find(known->second.begin(), known->second.end(), name) == known->second.end()) {
          std::string names;
          for (const std::string& candidate : known->second) {
            names += (names.empty() ? "" : ", ") + candidate;
          }
          problems_.push_back({table + "." + name,
                               "is not a known setting; the [" + table + "] table has " + names});
        }
      }
    }
  }

  template <typename Parse>
  void Read(const toml::table& root, std::string_view path, Parse parse) {
    const size_t dot = path.find('.');
    known_keys_[std::string(path.substr(0, dot))].emplace_back(path.substr(dot + 1));
    const toml::node_view<const toml::node> node = root.at_path(path);
    if (!node) {
      return;
    }
    if (!parse(*node.node())) {
      problems_.push_back({std::string(path), "has the wrong type"});
    }
  }

  template <typename Integer>
  void ReadInt(const toml::table& root, std::string_view path, Integer& target) {
    Read(root, path, [&](const toml::node& node) {
      auto value = node.value<int64_t>();
      if (!value) {
        return false;
      }
      target = static_cast<Integer>(*value);
      return true;
    });
  }

  void ReadString(const toml::table& root, std::string_view path, std::string& target) {
    Read(root, path, [&](const toml::node& node) {
      auto value = node.value<std::string>();
      if (!value) {
        return false;
      }
      target = *value;
      return true;
    });
  }

  std::vector<FieldViolation>& problems_;
  // The setting names that Read was called with, by table, in the order they were read.
  std::map<std::string, std::vector<std::string>> known_keys_;
};

void CheckRange(std::vector<FieldViolation>& problems, const char* field, int64_t value,
                int64_t min, int64_t max) {
  if (value < min || value > max) {
    problems.push_back(
        {field, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                    ", got " + std::to_string(value)});
  }
}

}  // namespace

std::string Config::EffectiveDatabaseUrl() const {
  if (!database_url.empty()) {
    return database_url;
  }
  return "sqlite://" + (std::filesystem::path(data_dir) / "openlabs.db").string();
}

Status LoadConfig(const ConfigSources& sources, Config& config) {
  std::vector<FieldViolation> problems;
  ConfigReader reader(problems);

  if (sources.file_path) {
    try {
      const toml::table root = toml::parse_file(*sources.file_path);
      reader.ReadToml(root, config);
    } catch (const toml::parse_error& error) {
      problems.push_back({*sources.file_path, std::string("cannot be parsed: ") +
                                                  std::string(error.description())});
    }
  }
  if (sources.read_environment) {
    reader.ReadEnvironment(config);
  }
  if (sources.listen) {
    reader.ParseListen(*sources.listen, "--listen", config);
  }
  if (sources.overrides) {
    sources.overrides(config);
  }

  std::vector<FieldViolation> invalid = ValidateConfig(config);
  problems.insert(problems.end(), invalid.begin(), invalid.end());
  if (!problems.empty()) {
    return Fail({ErrorCode::kInvalidArgument, "The configuration is invalid.", problems});
  }
  return {};
}

std::vector<FieldViolation> ValidateConfig(const Config& config) {
  std::vector<FieldViolation> problems;
  if (config.listen_host.empty()) {
    problems.push_back({"server.listen", "host must not be empty"});
  }
  CheckRange(problems, "server.io_threads", config.io_threads, 1, 256);
  CheckRange(problems, "server.worker_threads", config.worker_threads, 1, 256);
  CheckRange(problems, "server.max_body_bytes", config.max_body_bytes, 1024, int64_t{1} << 30);
  CheckRange(problems, "server.request_timeout_seconds", config.request_timeout_seconds, 1, 3600);
  CheckRange(problems, "server.idle_timeout_seconds", config.idle_timeout_seconds, 1, 3600);
  CheckRange(problems, "server.max_connections", config.max_connections, 0, 10'000'000);
  CheckRange(problems, "server.shutdown_grace_seconds", config.shutdown_grace_seconds, 0, 600);
  for (const std::string& origin : config.cors_origins) {
    if (!origin.starts_with("http://") && !origin.starts_with("https://")) {
      problems.push_back({"server.cors_origins", "origin '" + origin +
                                                     "' must start with http:// or https://"});
    }
  }
  if (config.data_dir.empty()) {
    problems.push_back({"storage.data_dir", "must not be empty"});
  }
  if (!config.database_url.empty() && !config.database_url.starts_with("postgresql://") &&
      !config.database_url.starts_with("postgres://") &&
      !config.database_url.starts_with("sqlite://")) {
    problems.push_back({"storage.database_url",
                        "must start with postgresql:// or sqlite://"});
  }
  CheckRange(problems, "storage.database_pool_size", config.database_pool_size, 1, 256);
  if (!config.blob_url.empty()) {
    if (Result<S3Url> url = ParseS3Url(config.blob_url); !url) {
      problems.push_back({"storage.blob_url", url.error().message});
    }
    if (config.s3_access_key_id.empty() || config.s3_secret_access_key.empty()) {
      problems.push_back({"storage.s3_access_key_id",
                          "storage.s3_access_key_id and storage.s3_secret_access_key (or "
                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) must be set when "
                          "storage.blob_url is set"});
    }
  }
  if (config.log_format != "text" && config.log_format != "json") {
    problems.push_back({"log.format", "must be \"text\" or \"json\", got \"" +
                                          config.log_format + "\""});
  }
  static const char* const kLevels[] = {"trace", "debug", "info", "warn", "error", "critical"};
  if (std::find(std::begin(kLevels), std::end(kLevels), config.log_level) == std::end(kLevels)) {
    problems.push_back({"log.level", "must be one of trace, debug, info, warn, error, critical"});
  }
  if (config.jwt_issuer.empty()) {
    problems.push_back({"auth.jwt_issuer", "must not be empty"});
  }
  CheckRange(problems, "auth.access_token_ttl_seconds", config.access_token_ttl_seconds, 10,
             24 * 3600);
  CheckRange(problems, "auth.refresh_token_ttl_seconds", config.refresh_token_ttl_seconds, 60,
             365 * 24 * 3600);
  CheckRange(problems, "auth.login_attempts_per_account", config.login_attempts_per_account, 1,
             100000);
  CheckRange(problems, "auth.login_attempts_per_address", config.login_attempts_per_address, 1,
             1000000);
  CheckRange(problems, "auth.login_window_seconds", config.login_window_seconds, 1, 86400);
  CheckRange(problems, "auth.mfa_attempts_per_account", config.mfa_attempts_per_account, 1, 100000);
  CheckRange(problems, "auth.mfa_window_seconds", config.mfa_window_seconds, 1, 86400);
  CheckRange(problems, "auth.refresh_reuse_grace_seconds", config.refresh_reuse_grace_seconds, 0,
             300);
  CheckRange(problems, "points.initial_points", config.initial_points, 0, 1000000);
  CheckRange(problems, "submissions.max_file_bytes", config.submission_max_file_bytes, 1,
             int64_t{1} << 40);
  CheckRange(problems, "submissions.cost_points", config.submission_cost_points, 0, 1000000);
  CheckRange(problems, "reviews.reward_points", config.review_reward_points, 0, 1000000);
  CheckRange(problems, "reviews.required_count", config.review_required_count, 1, 100);
  CheckRange(problems, "reviews.claim_lease_seconds", config.review_claim_lease_seconds, 60,
             30 * 24 * 3600);
  CheckRange(problems, "labs.max_asset_bytes", config.labs_max_asset_bytes, 1,
             int64_t{1} << 40);
  CheckRange(problems, "articles.max_pdf_bytes", config.articles_max_pdf_bytes, 1024,
             int64_t{1} << 30);
  CheckRange(problems, "search.cached_pages", config.search_cached_pages, 0, 1000000);
  CheckRange(problems, "assistant.model_timeout_seconds", config.assistant_model_timeout_seconds,
             1, 3600);
  CheckRange(problems, "assistant.messages_per_minute", config.assistant_messages_per_minute, 1,
             100000);
  CheckRange(problems, "assistant.answer_threads", config.assistant_answer_threads, 1, 256);
  CheckRange(problems, "assistant.resync_interval_seconds",
             config.assistant_resync_interval_seconds, 1, 7 * 24 * 3600);
  for (const auto& [field, url] :
       {std::pair<const char*, const std::string*>{"assistant.chat_base_url",
                                                   &config.assistant_chat_base_url},
        std::pair<const char*, const std::string*>{"assistant.embedding_base_url",
                                                   &config.assistant_embedding_base_url}}) {
    if (!url->empty() && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
      problems.push_back({field, "must start with http:// or https://"});
    }
  }
  Config copy = config;
  for (const NotebookSetting& setting : NotebookSettings(copy)) {
    CheckRange(problems, setting.key, *setting.value, setting.min, setting.max);
  }
  // Cell syntax checks and command-line runs take the uids left over. When none is free, a
  // check falls back to the token analysis and a command-line run fails.
  if (config.notebooks.sandbox_uid_count <
      config.notebooks.max_sessions + config.notebooks.pool_size + config.grading_workers) {
    problems.push_back({"notebooks.sandbox_uid_count",
                        "must be at least notebooks.max_sessions + notebooks.pool_size + "
                        "grading.workers, because each kernel and each running grading job "
                        "takes one uid"});
  }
  CheckRange(problems, "grading.workers", config.grading_workers, 0, 64);
  CheckRange(problems, "grading.lease_seconds", config.grading_lease_seconds, 2, 3600);
  CheckRange(problems, "grading.max_attempts", config.grading_max_attempts, 1, 20);
  CheckRange(problems, "grading.retry_base_seconds", config.grading_retry_base_seconds, 1, 3600);
  CheckRange(problems, "grading.reconcile_interval_seconds",
             config.grading_reconcile_interval_seconds, 1, 86400);
  CheckRange(problems, "grading.max_archive_bytes", config.grading_max_archive_bytes, 1024,
             int64_t{1} << 30);
  return problems;
}

int64_t NotebookSandboxFirstUid(const Config& config) {
  if (config.notebooks.sandbox_first_uid != 0) {
    return config.notebooks.sandbox_first_uid;
  }
  std::error_code ignored;
  const std::string data_dir = std::filesystem::absolute(config.data_dir, ignored).string();
  const uint64_t data_dir_hash = std::stoull(Sha256Hex(data_dir).substr(0, 8), nullptr, 16);
  return 1'000'000 +
         static_cast<int64_t>(data_dir_hash % 4096) * config.notebooks.sandbox_uid_count;
}

}  // namespace openlabs
