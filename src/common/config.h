#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace openlabs {

// Settings of one `openlabs` process. Defaults give the embedded mode: SQLite and blobs under
// ./data, listening on 127.0.0.1:8080.
struct Config {
  // [server]
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  int io_threads = 2;                    // threads that run the HTTP event loops
  int worker_threads = 4;                // threads for CPU-heavy handlers (password hashing)
  int64_t max_body_bytes = 1 << 20;      // bodies of JSON requests
  int request_timeout_seconds = 30;      // reading a request and writing its response
  int idle_timeout_seconds = 60;         // connections waiting for their first or next request
  // Open connections at which the server stops accepting more; 0 derives it from the limit of
  // open files (see DefaultMaxConnections).
  int max_connections = 0;
  int shutdown_grace_seconds = 20;       // SIGTERM waits this long for in-flight requests
  std::vector<std::string> cors_origins;  // exact origins, e.g. "https://labs.example.org"
  std::string web_root;                  // built web app to serve; empty serves no files

  // [storage]
  std::string data_dir = "data";
  std::string database_url;  // empty: SQLite file <data_dir>/openlabs.db
  int database_pool_size = 8;
  // Empty: the folder <data_dir>/blobs. Otherwise an S3-compatible bucket as
  // s3://BUCKET/PREFIX?endpoint=http://HOST:PORT&region=REGION (see common/s3_url.h).
  std::string blob_url;
  // Credentials of the S3 bucket; AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
  // AWS_SESSION_TOKEN override them.
  std::string s3_access_key_id;
  std::string s3_secret_access_key;
  std::string s3_session_token;

  // [log]
  std::string log_format = "text";  // "text" or "json"
  std::string log_level = "info";

  // [auth]
  std::string jwt_issuer = "openlabs";
  int access_token_ttl_seconds = 15 * 60;
  int refresh_token_ttl_seconds = 30 * 24 * 3600;
  int login_attempts_per_account = 10;  // failed logins per account per window
  int login_attempts_per_address = 50;  // logins per client address per window
  int login_window_seconds = 300;
  int mfa_attempts_per_account = 10;  // wrong sign-in codes per account per MFA window
  int mfa_window_seconds = 900;
  int refresh_reuse_grace_seconds = 10;  // 0 treats every second use of a refresh token as theft
  std::string totp_issuer = "Open Labs Share";

  // [points]
  int64_t initial_points = 10;

  // [submissions]
  int64_t submission_max_file_bytes = 25 << 20;  // per attached file
  int64_t submission_cost_points = 1;

  // [reviews]
  int64_t review_reward_points = 3;
  int review_required_count = 1;  // reviews that decide a submission
  int64_t review_claim_lease_seconds = 8 * 3600;

  // [labs]
  int64_t labs_max_asset_bytes = int64_t{100} << 20;  // largest asset file an upload takes

  // [articles]
  int64_t articles_max_pdf_bytes = int64_t{50} << 20;  // largest PDF an upload or import takes

  // [search]
  int search_cached_pages = 2000;  // result pages kept for repeated searches (SQLite); 0: none

  // [assistant] OpenAI-compatible endpoints; an empty base URL or model turns that part off.
  std::string assistant_chat_base_url;  // e.g. "http://127.0.0.1:8000/v1"
  std::string assistant_chat_model;
  std::string assistant_chat_api_key;
  std::string assistant_embedding_base_url;
  std::string assistant_embedding_model;
  std::string assistant_embedding_api_key;
  int assistant_model_timeout_seconds = 120;
  int assistant_messages_per_minute = 20;  // chat messages per user
  int assistant_answer_threads = 4;        // answers streamed at once; more wait in a queue
  int assistant_resync_interval_seconds = 300;  // full comparison of sources with the index

  // [notebooks]: live notebook sessions, each one sandboxed kernel process.
  struct Notebooks {
    int64_t cell_cpu_seconds = 30;               // CPU time of one cell run
    int64_t cell_wall_seconds = 120;             // wall-clock time of one cell run
    int64_t session_cpu_seconds = 1800;          // CPU time of a whole session's kernel
    int64_t memory_bytes = int64_t{512} << 20;   // address space per kernel process
    int64_t max_processes = 32;                  // processes and threads per session
    int64_t max_open_files = 256;                // per process
    int64_t max_file_bytes = int64_t{64} << 20;  // largest file a cell writes
    int64_t work_bytes = int64_t{128} << 20;     // tmpfs /work: assets and written files
    int64_t tmp_bytes = int64_t{64} << 20;       // tmpfs /tmp
    int64_t idle_timeout_seconds = 15 * 60;
    int64_t max_lifetime_seconds = 4 * 3600;
    int64_t max_sessions_per_user = 2;
    int64_t max_sessions = 16;
    int64_t pool_size = 2;  // started kernels waiting for a session
    // Kernels run under uids from here, one per kernel. 0 derives a block from the data
    // directory's path, so that two servers on one machine do not share uids.
    int64_t sandbox_first_uid = 0;
    int64_t sandbox_uid_count = 64;
    int64_t websocket_max_message_bytes = 64 << 10;  // one message from the browser
    int64_t websocket_messages_per_second = 30;      // from one browser connection
    // Files sent to one file widget (`mo.ui.file`) in one upload, in total.
    int64_t max_widget_upload_bytes = int64_t{4} << 20;
  } notebooks;

  // [grading]
  int grading_workers = 2;               // grading jobs run at once; 0 runs none in this process
  int grading_lease_seconds = 60;        // a running job unrenewed this long is taken over
  int grading_max_attempts = 3;          // tries of a job whose machinery fails
  int grading_retry_base_seconds = 5;    // first retry delay, doubled on each further retry
  int grading_reconcile_interval_seconds = 300;  // how often submissions without a job are sought
  int64_t grading_max_archive_bytes = int64_t{64} << 20;  // largest grader archive upload

  // The database URL in effect: database_url, or the SQLite file under data_dir.
  std::string EffectiveDatabaseUrl() const;
};

// The sources of a Config's settings, in increasing precedence.
struct ConfigSources {
  std::optional<std::string> file_path;  // TOML file
  bool read_environment = true;          // OPENLABS_* variables
  std::optional<std::string> listen;     // HOST:PORT from the command line
  // Applied last, before validation: the other command-line flags.
  std::function<void(Config&)> overrides;
};

// Reads the TOML file (if any) and the environment into `config`, then validates it. On failure
// the error lists every problem found, one per detail, not only the first.
Status LoadConfig(const ConfigSources& sources, Config& config);

// Checks every field; returns all problems at once.
std::vector<FieldViolation> ValidateConfig(const Config& config);

// The first uid of the notebook sandboxes' block: notebooks.sandbox_first_uid, or when that is 0
// a block derived from the data directory's absolute path. Derived blocks start at 1,000,000,
// clear of the uids that distributions give to accounts, and are a multiple of
// sandbox_uid_count apart, so two servers on one machine do not share uids.
int64_t NotebookSandboxFirstUid(const Config& config);

}  // namespace openlabs
