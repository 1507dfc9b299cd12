// The openlabs command: runs the platform and its administrative tasks.
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/import_articles.h"
#include "app/import_labs.h"
#include "app/import_notebooks.h"
#include "app/platform.h"
#include "common/config.h"
#include "common/logging.h"
#include "gateway/dispatcher.h"
#include "gateway/server.h"
#include "services/articles/pdf_text.h"
#include "services/grading/grade_cli.h"
#include "services/grading/similarity_cli.h"
#include "services/notebooks/notebook_cli.h"
#include "storage/orphan_blobs.h"

namespace openlabs::app {
namespace {

// Flags shared by the commands that open the platform's storage.
struct StorageFlags {
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<std::string> database_url;
  std::optional<std::string> blob_url;

  void AddTo(CLI::App& command) {
    command.add_option("--config", config_file, "TOML configuration file")
        ->check(CLI::ExistingFile);
    command.add_option("--data-dir", data_dir,
                       "Folder for the SQLite database and blobs (default: ./data)");
    command.add_option("--database-url", database_url,
                       "postgresql://USER@HOST:PORT/DB to use PostgreSQL instead of SQLite "
                       "(also OPENLABS_DATABASE_URL)");
    command.add_option("--blob-url", blob_url,
                       "s3://BUCKET/PREFIX?endpoint=URL&region=REGION to keep blobs in an "
                       "S3-compatible bucket instead of DATA_DIR/blobs (also OPENLABS_BLOB_URL; "
                       "credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }
};

struct ServeFlags {
  std::optional<std::string> listen;
  std::optional<std::string> web_root;
  std::optional<int> max_connections;
};

struct UserFlags {
  std::string username;
  std::string email;
  std::string password;
  bool password_stdin = false;
  std::string name;
  std::string surname;
  bool admin = false;
  bool moderator = false;
};

// Loads the configuration and prints every problem when it is invalid.
std::optional<Config> LoadOrReport(const StorageFlags& storage, const ServeFlags* serve) {
  Config config;
  ConfigSources sources;
  sources.file_path = storage.config_file;
  if (serve != nullptr) {
    sources.listen = serve->listen;
  }
  sources.overrides = [&](Config& target) {
    if (storage.data_dir) {
      target.data_dir = *storage.data_dir;
    }
    if (storage.database_url) {
      target.database_url = *storage.database_url;
    }
    if (storage.blob_url) {
      target.blob_url = *storage.blob_url;
    }
    if (serve != nullptr && serve->web_root) {
      target.web_root = *serve->web_root;
    }
    if (serve != nullptr && serve->max_connections) {
      target.max_connections = *serve->max_connections;
    }
  };
  Status loaded = LoadConfig(sources, config);
  if (!loaded) {
    std::cerr << "error: " << loaded.error().message << "\n";
    for (const FieldViolation& problem : loaded.error().details) {
      std::cerr << "  " << problem.field << ": " << problem.message << "\n";
    }
    return std::nullopt;
  }
  logging::Init(config.log_format == "json" ? logging::Format::kJson : logging::Format::kText,
                config.log_level);
  return config;
}

void ReportError(const char* action, const Error& error) {
  spdlog::error("{}: {}{}{}", action, error.message, error.internal.empty() ? "" : ": ",
                error.internal);
  for (const FieldViolation& problem : error.details) {
    spdlog::error("  {}: {}", problem.field, problem.message);
  }
}

std::string RedactedUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t at = url.find('@');
  const size_t colon = url.find(':', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (scheme_end == std::string::npos || at == std::string::npos || colon > at) {
    return url;
  }
  return url.substr(0, colon) + ":***" + url.substr(at);
}

// Gives memory freed after a load back to the system once the server is idle: the SQLite page
// caches of unused connections, then the free pages of every malloc arena. Without the trim,
// glibc's malloc keeps those pages in the arenas they were allocated from.
void ReleaseIdleMemory(storage::Database& database) {
  const int64_t cache_bytes = database.ReleaseIdleMemory();
  malloc_trim(0);
  spdlog::debug("idle: released {} bytes of SQLite page cache and trimmed the malloc arenas",
                cache_bytes);
}

// Returns a message naming the unknown word and the valid subcommands when the deepest chosen
// command needs a subcommand but got an unknown word. Returns nothing otherwise.
std::optional<std::string> UnknownCommandMessage(const CLI::App& app) {
  const CLI::App* command = &app;
  std::string path = "openlabs";
  for (;;) {
    const std::vector<const CLI::App*> chosen =
        command->get_subcommands([](const CLI::App* candidate) { return candidate->parsed(); });
    if (chosen.empty()) {
      break;
    }
    command = chosen.front();
    path += " " + command->get_name();
  }
  const std::vector<std::string> remaining = command->remaining();
  if (remaining.empty() || remaining.front().starts_with("-")) {
    return std::nullopt;
  }
  std::string names;
  for (const CLI::App* subcommand : command->get_subcommands({})) {
    names += names.empty() ? "" : ", ";
    names += subcommand->get_name();
  }
  return path + ": unknown command \"" + remaining.front() + "\"; the commands are " + names +
         " (see " + path + " --help)";
}

// Raises the soft limit of open files to the hard limit, because every connection uses a file
// descriptor and the usual soft limit of 1024 is too low for a server. Returns the soft limit in
// force afterwards.
rlim_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    spdlog::warn("Reading the limit of open files failed: {}", std::strerror(errno));
    return 1024;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      spdlog::warn("Raising the limit of open files from {} to {} failed: {}", before,
                   limit.rlim_max, std::strerror(errno));
      return before;
    }
  }
  return limit.rlim_cur;
}

// The connection limit when server.max_connections is 0: 80% of the open-file limit, leaving
// the rest for the database, blobs being read or written, notebook kernels and sandboxes.
int DefaultMaxConnections(rlim_t open_files) {
  constexpr rlim_t kMaxDerived = 10'000'000;
  return static_cast<int>(std::max<rlim_t>(std::min(open_files, kMaxDerived) * 8 / 10, 1));
}

// How often a serving process looks for blobs that no row references, after a first pass at
// start. A pass deletes at most 1000 of them (OrphanCollectionOptions).
constexpr std::chrono::hours kOrphanCollectionInterval{1};

int Serve(const StorageFlags& storage, const ServeFlags& serve) {
  std::optional<Config> config = LoadOrReport(storage, &serve);
  if (!config) {
    return 2;
  }
  const rlim_t open_files = RaiseOpenFileLimit();
  // Forked before StartPlatform starts any thread; its report is read once the platform is up.
  articles::PdfModuleProbe pdf_probe = articles::PdfModuleProbe::Start();
  Result<Platform> platform = StartPlatform(*config);
  if (!platform) {
    ReportError("start-up failed", platform.error());
    return 1;
  }
  if (Status started = StartNotebookSessions(*platform); !started) {
    ReportError("starting notebook sessions failed", started.error());
    return 1;
  }
  gateway::Router router = BuildRouter(*platform);

  gateway::ServerOptions options;
  options.host = config->listen_host;
  options.port = config->listen_port;
  options.io_threads = config->io_threads;
  options.worker_threads = config->worker_threads;
  options.max_body_bytes = config->max_body_bytes;
  options.request_timeout_seconds = config->request_timeout_seconds;
  options.idle_timeout_seconds = config->idle_timeout_seconds;
  options.max_connections =
      config->max_connections > 0 ? config->max_connections : DefaultMaxConnections(open_files);
  spdlog::info("accepting up to {} connections (open-file limit {})", options.max_connections,
               open_files);
  options.shutdown_grace_seconds = config->shutdown_grace_seconds;
  options.cors_origins = config->cors_origins;
  options.web_root = config->web_root;
  options.handle_signals = true;
  storage::Database& database = *platform->database;
  options.on_idle = [&database] { ReleaseIdleMemory(database); };
  options.on_stop = [&platform] { platform->notebook_sessions->ExpectKernelExits(); };
  if (Result<std::string> module = pdf_probe.Wait(); module) {
    spdlog::info("the PDF reader module {} loads; it is loaded on the first PDF", *module);
  } else {
    spdlog::warn("Article uploads will fail with 503 until the PDF reader module loads: {}",
                 module.error().internal);
  }
  // /readyz reports the probe's outcome until an article upload loads the module again.
  options.readiness_warnings = [] {
    std::optional<std::string> problem = articles::PdfModuleProblem();
    return problem ? std::vector<std::string>{std::move(*problem)} : std::vector<std::string>{};
  };
  gateway::HttpServer server(options, router, [&database] { return database.Ping(); });
  Result<uint16_t> port = server.Listen();
  if (!port) {
    ReportError("cannot listen", port.error());
    return 1;
  }
  spdlog::info("openlabs {} serving on http://{}:{} with database {}", OPENLABS_VERSION,
               config->listen_host, *port, RedactedUrl(config->EffectiveDatabaseUrl()));
  // Work that no request waits for starts once the listener accepts connections.
  StartBackgroundWork(*platform);
  platform->grading->Start();
  storage::OrphanBlobCollector orphan_blobs(*platform->database, *platform->blobs, {},
                                            kOrphanCollectionInterval);
  orphan_blobs.Start();
  server.Run();
  orphan_blobs.Stop();
  platform->notebook_sessions->Shutdown();
  platform->grading->Stop();
  spdlog::info("openlabs stopped");
  return 0;
}

// Prints every route the server serves, one "METHOD PATTERN" line each, sorted by pattern.
// Routes are registered on the services, so the platform is started as for serve, but on a
// new SQLite database in a temporary folder and without pooled kernels: the command never
// touches the storage or the notebook sessions of a running server.
int ListRoutes(const std::optional<std::string>& config_file) {
  StorageFlags storage;
  storage.config_file = config_file;
  std::optional<Config> config = LoadOrReport(storage, nullptr);
  if (!config) {
    return 2;
  }
  std::string scratch =
      (std::filesystem::temp_directory_path() / "openlabs-routes-XXXXXX").string();
  if (mkdtemp(scratch.data()) == nullptr) {
    std::cerr << "error: cannot create a temporary folder in "
              << std::filesystem::temp_directory_path() << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  config->data_dir = scratch;
  config->database_url.clear();
  config->blob_url.clear();
  config->notebooks.pool_size = 0;

  int status = 0;
  {
    Result<Platform> platform = StartPlatform(*config);
    if (!platform) {
      ReportError("start-up failed", platform.error());
      status = 1;
    } else if (Status started = StartNotebookSessions(*platform); !started) {
      ReportError("starting notebook sessions failed", started.error());
      status = 1;
    } else {
      const gateway::Router router = BuildRouter(*platform);
      const gateway::ServerOptions options;
      gateway::HttpMetrics metrics(1);
      const gateway::Dispatcher dispatcher(options, router, nullptr, metrics,
                                           gateway::StaticFiles());
      std::vector<std::pair<std::string, std::string>> routes;
      for (const gateway::Router* source : {&dispatcher.builtin_routes(), &router}) {
        for (const gateway::Route* route : source->Routes()) {
          routes.emplace_back(route->pattern, route->method);
        }
      }
      std::sort(routes.begin(), routes.end());
      for (const auto& [pattern, method] : routes) {
        std::cout << method << ' ' << pattern << '\n';
      }
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
  return status;
}

int Migrate(const StorageFlags& storage) {
  std::optional<Config> config = LoadOrReport(storage, nullptr);
  if (!config) {
    return 2;
  }
  Result<std::unique_ptr<storage::Database>> database = OpenDatabase(*config);
  if (!database) {
    ReportError("migration failed", database.error());
    return 1;
  }
  std::cout << "The database is up to date.\n";
  return 0;
}

int CreateUser(const StorageFlags& storage, UserFlags user) {
  std::optional<Config> config = LoadOrReport(storage, nullptr);
  if (!config) {
    return 2;
  }
  if (user.password_stdin) {
    if (!std::getline(std::cin, user.password)) {
      std::cerr << "error: no password on standard input\n";
      return 2;
    }
    if (user.password.empty()) {
      std::cerr << "error: the first line of standard input is empty; write the password there\n";
      return 2;
    }
  }
  if (user.password.empty()) {
    std::cerr << "error: give the password with --password-stdin (or --password)\n";
    return 2;
  }
  Result<Platform> platform = StartPlatform(*config);
  if (!platform) {
    ReportError("start-up failed", platform.error());
    return 1;
  }
  v1::RegisterRequest request;
  request.set_username(user.username);
  request.set_email(user.email);
  request.set_password(user.password);
  request.set_name(user.name);
  request.set_surname(user.surname);
  request.mutable_client()->set_address("cli");
  Result<v1::SessionTokens> created = platform->auth->Register(request);
  if (!created) {
    ReportError("cannot create the user", created.error());
    return 1;
  }
  const char* role = user.admin ? "admin" : (user.moderator ? "moderator" : "user");
  if (std::string_view(role) != "user") {
    CallContext system;
    system.role = "admin";
    v1::SetRoleRequest set_role;
    set_role.set_id(created->user().id());
    set_role.set_role(role);
    if (Result<v1::User> changed = platform->users->SetRole(set_role, system); !changed) {
      ReportError("cannot set the role", changed.error());
      return 1;
    }
  }
  std::cout << "Created user " << user.username << " (id " << created->user().id() << ", role "
            << role << ").\n";
  return 0;
}

struct ArticleImportFlags {
  std::string dir;
  std::string uploader = "importer";
};

int ImportArticles(const StorageFlags& storage, const ArticleImportFlags& flags) {
  std::optional<Config> config = LoadOrReport(storage, nullptr);
  if (!config) {
    return 2;
  }
  return RunArticleImport(*config, flags.dir, flags.uploader);
}

struct LabImportFlags {
  std::string dir;
  std::string author = "importer";
};

int ImportLabs(const StorageFlags& storage, const LabImportFlags& flags) {
  std::optional<Config> config = LoadOrReport(storage, nullptr);
  if (!config) {
    return 2;
  }
  return RunLabImport(*config, flags.dir, flags.author);
}

struct NotebookImportFlags {
  std::string dir;
  std::string author = "importer";
  NotebookImportTarget target;
};

int ImportNotebooks(const StorageFlags& storage, const NotebookImportFlags& flags) {
  std::optional<Config> config = LoadOrReport(storage, nullptr);
  if (!config) {
    return 2;
  }
  return RunNotebookImport(*config, flags.dir, flags.author, flags.target);
}

}  // namespace
}  // namespace openlabs::app

int main(int argc, char** argv) {
  using namespace openlabs::app;
  CLI::App app{"Open Labs Share: hands-on labs, articles, submissions and peer review."};
  app.require_subcommand(1);

  StorageFlags storage;
  ServeFlags serve;
  CLI::App* serve_command = app.add_subcommand(
      "serve", "Run every service and the web gateway in this process until SIGTERM");
  storage.AddTo(*serve_command);
  serve_command->add_option("--listen", serve.listen,
                            "HOST:PORT to listen on (default: 127.0.0.1:8080)");
  serve_command->add_option("--web-root", serve.web_root,
                            "Folder of the built web app to serve (default: none)");
  serve_command->add_option("--max-connections", serve.max_connections,
                            "Open connections at which the server stops accepting more until "
                            "some close (default: server.max_connections, or 80% of the "
                            "open-file limit)");

  CLI::App* migrate_command =
      app.add_subcommand("migrate", "Apply pending database migrations and exit");
  storage.AddTo(*migrate_command);

  CLI::App* user_command = app.add_subcommand("user", "Manage user accounts");
  user_command->require_subcommand(1);
  UserFlags user;
  CLI::App* create_command = user_command->add_subcommand("create", "Create a user account");
  storage.AddTo(*create_command);
  create_command->add_option("--username", user.username, "Login name (3-32 characters)")
      ->required();
  create_command->add_option("--email", user.email, "Email address")->required();
  create_command->add_flag("--password-stdin", user.password_stdin,
                           "Read the password from the first line of standard input");
  create_command->add_option("--password", user.password,
                             "Password (visible to other users of this machine; prefer "
                             "--password-stdin)");
  create_command->add_option("--name", user.name, "Given name");
  create_command->add_option("--surname", user.surname, "Family name");
  CLI::Option* admin_flag =
      create_command->add_flag("--admin", user.admin, "Make the user an admin");
  create_command->add_flag("--moderator", user.moderator, "Make the user a moderator")
      ->excludes(admin_flag);

  openlabs::notebooks::NotebookCommand notebook_command(app);
  openlabs::grading::GradeCommand grade_command(app);
  openlabs::grading::SimilarityCommand similarity_command(app);

  // Importers of content folders; each kind of content is a subcommand with its own flags.
  CLI::App* import_command =
      app.add_subcommand("import", "Import labs, articles or notebooks from a folder");
  import_command->require_subcommand(1);
  ArticleImportFlags article_import;
  CLI::App* import_articles_command = import_command->add_subcommand(
      "articles", "Import every PDF of a folder as an article, with metadata.json when present");
  storage.AddTo(*import_articles_command);
  import_articles_command->add_option("DIR", article_import.dir, "Folder of PDF files")
      ->required()
      ->check(CLI::ExistingDirectory);
  import_articles_command->add_option(
      "--uploader", article_import.uploader,
      "Username recorded as the uploader (default: importer, created when missing)");
  LabImportFlags lab_import;
  CLI::App* import_labs_command = import_command->add_subcommand(
      "labs", "Import every Markdown file under a folder as a lab, with the files it references");
  storage.AddTo(*import_labs_command);
  import_labs_command->add_option("DIR", lab_import.dir, "Folder of Markdown files")
      ->required()
      ->check(CLI::ExistingDirectory);
  import_labs_command->add_option(
      "--author", lab_import.author,
      "Username recorded as the labs' author (default: importer, created when missing)");

  NotebookImportFlags notebook_import;
  CLI::App* import_notebooks_command = import_command->add_subcommand(
      "notebooks", "Import every marimo notebook under a folder, with the files its cells open");
  storage.AddTo(*import_notebooks_command);
  import_notebooks_command->add_option("DIR", notebook_import.dir, "Folder of marimo .py files")
      ->required()
      ->check(CLI::ExistingDirectory);
  CLI::Option* lab_option = import_notebooks_command->add_option(
      "--lab", notebook_import.target.lab_id,
      "Id of the lab to attach every notebook to (default: a new lab per notebook)");
  import_notebooks_command
      ->add_option("--article", notebook_import.target.article_id,
                   "Id of the article to attach every notebook to")
      ->excludes(lab_option);
  import_notebooks_command->add_option(
      "--author", notebook_import.author,
      "Username recorded as the notebooks' owner (default: importer, created when missing); "
      "with --lab or --article it must be that lab's or article's author or a moderator");

  std::optional<std::string> routes_config;
  CLI::App* routes_command =
      app.add_subcommand("routes", "Print every HTTP route as METHOD PATTERN and exit");
  routes_command->add_option("--config", routes_config, "TOML configuration file")
      ->check(CLI::ExistingFile);

  CLI::App* version_command = app.add_subcommand("version", "Print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 checks require_subcommand before it reports extra arguments, so "openlabs bogus"
    // would only report that a subcommand is required. Name the unknown word instead.
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
      if (std::optional<std::string> message = UnknownCommandMessage(app); message) {
        std::cerr << *message << "\n";
        return static_cast<int>(CLI::ExitCodes::ExtrasError);
      }
    }
    return app.exit(error);
  }

  if (*serve_command) {
    return Serve(storage, serve);
  }
  if (*migrate_command) {
    return Migrate(storage);
  }
  if (*create_command) {
    return CreateUser(storage, user);
  }
  if (notebook_command.Selected()) {
    return notebook_command.Run();
  }
  if (grade_command.Selected()) {
    return grade_command.Run();
  }
  if (similarity_command.Selected()) {
    return similarity_command.Run();
  }
  if (*import_articles_command) {
    return ImportArticles(storage, article_import);
  }
  if (*import_labs_command) {
    return ImportLabs(storage, lab_import);
  }
  if (*import_notebooks_command) {
    return ImportNotebooks(storage, notebook_import);
  }
  if (*routes_command) {
    return ListRoutes(routes_config);
  }
  if (*version_command) {
    std::cout << "openlabs " << OPENLABS_VERSION << "\n";
    return 0;
  }
  return 1;
}
