#include "services/articles/pdf_text.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>

#include "services/articles/pdf_module.h"

namespace openlabs::articles {
namespace {

constexpr size_t kHeaderWindowBytes = 1024;

Error NotPdf(std::string message) { return Error::Validation({{"file", std::move(message)}}); }

std::mutex& PopplerMutex() {
  static std::mutex mutex;
  return mutex;
}

// The paths where the PDF reader module is looked for, in order. OPENLABS_PDF_MODULE, when set,
// is the only one. Otherwise: beside the running executable (a build tree or a copied binary),
// where `cmake --install` puts it relative to the executable, and where this build wrote it.
std::vector<std::filesystem::path> PdfModuleCandidates() {
  if (const char* configured = std::getenv("OPENLABS_PDF_MODULE"); configured && *configured) {
    return {std::filesystem::path(configured)};
  }
  std::vector<std::filesystem::path> candidates;
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back(executable.parent_path() / OPENLABS_PDF_MODULE_NAME);
    candidates.push_back((executable.parent_path() / OPENLABS_PDF_MODULE_INSTALLED_PATH)
                             .lexically_normal());
  }
  candidates.emplace_back(OPENLABS_PDF_MODULE_PATH);
  return candidates;
}

// kUnavailable for a module that cannot be loaded; `internal` is the reason, for the log.
Error ModuleUnavailable(std::string internal) {
  return {ErrorCode::kUnavailable,
          std::string("The server cannot read PDFs because its PDF reader module ") +
              OPENLABS_PDF_MODULE_NAME + " is missing or does not load; an administrator " +
              "must install it (the server log names the paths tried).",
          {},
          std::move(internal)};
}

// The message of the latest failed attempt to load the module, for PdfModuleProblem.
struct ModuleProblem {
  std::mutex mutex;
  std::optional<std::string> message;
};

ModuleProblem& LatestModuleProblem() {
  static ModuleProblem problem;
  return problem;
}

void RecordModuleProblem(std::optional<std::string> message) {
  ModuleProblem& problem = LatestModuleProblem();
  std::lock_guard lock(problem.mutex);
  problem.message = std::move(message);
}

// The module's function and the path it was loaded from.
struct LoadedModule {
  PdfModuleExtractFunction extract = nullptr;
  std::filesystem::path path;
};

// Loads the PDF reader module and returns its function, or kUnavailable with the paths that
// were tried in `internal`. The handle stays open for the life of the process.
Result<LoadedModule> OpenPdfModule() {
  std::string failures;
  std::error_code error;
  for (const std::filesystem::path& candidate : PdfModuleCandidates()) {
    if (!std::filesystem::exists(candidate, error)) {
      failures += candidate.string() + ": not found; ";
      continue;
    }
    void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      failures += candidate.string() + ": " + dlerror() + "; ";
      continue;
    }
    void* symbol = dlsym(handle, kPdfModuleExtractSymbol);
    if (symbol == nullptr) {
      failures += candidate.string() + ": no symbol " + kPdfModuleExtractSymbol + "; ";
      dlclose(handle);
      continue;
    }
    return LoadedModule{reinterpret_cast<PdfModuleExtractFunction>(symbol), candidate};
  }
  return Fail(ModuleUnavailable("cannot load the PDF reader module: " + failures));
}

// Loads the PDF reader module on the first call that finds it, and returns its function. A
// failed load is tried again on the next call, so a module installed later is picked up. The
// caller holds PopplerMutex.
Result<PdfModuleExtractFunction> LoadPdfModule() {
  static PdfModuleExtractFunction loaded = nullptr;
  if (loaded != nullptr) {
    return loaded;
  }
  Result<LoadedModule> module = OpenPdfModule();
  if (!module) {
    return Fail(module.error());
  }
  loaded = module->extract;
  spdlog::info("loaded the PDF reader module {}", module->path.string());
  return loaded;
}

// Writes all of `text` to `fd`, retrying after interrupts and short writes.
void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      return;
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
}

// Runs in the forked child: loads the module and reports "1PATH" or "0FAILURES" on `fd`.
[[noreturn]] void ReportModuleLoadAndExit(int fd) {
  Result<LoadedModule> module = OpenPdfModule();
  WriteAll(fd, module ? "1" + module->path.string() : "0" + module.error().internal);
  _exit(0);
}

}  // namespace

bool HasPdfHeader(std::string_view data) {
  return data.substr(0, kHeaderWindowBytes).find("%PDF-") != std::string_view::npos;
}

Result<PdfText> ExtractPdfText(std::string_view data) {
  if (data.empty()) {
    return Fail(NotPdf("is empty; upload a PDF file"));
  }
  if (!HasPdfHeader(data)) {
    return Fail(NotPdf("is not a PDF: no %PDF- header in its first 1024 bytes"));
  }
  if (data.size() > static_cast<size_t>(INT_MAX)) {
    return Fail(NotPdf("is too large to read as a PDF"));
  }

  std::lock_guard lock(PopplerMutex());
  Result<PdfModuleExtractFunction> extract = LoadPdfModule();
  RecordModuleProblem(extract ? std::nullopt : std::optional(extract.error().message));
  if (!extract) {
    spdlog::error("reading a PDF failed: {}", extract.error().internal);
    return Fail(extract.error());
  }
  PdfText text;
  switch ((*extract)(data, &text.pages)) {
    case PdfModuleStatus::kOk:
      break;
    case PdfModuleStatus::kUnreadable:
      return Fail(NotPdf("is not a readable PDF: the PDF reader could not open it"));
    case PdfModuleStatus::kLocked:
      return Fail(NotPdf("is a password-protected PDF; upload it without a password"));
  }
  if (text.pages.empty()) {
    return Fail(NotPdf("is a PDF without pages"));
  }
  return text;
}

}  // namespace openlabs::articles

namespace openlabs::articles {

PdfModuleProbe PdfModuleProbe::Start() {
  PdfModuleProbe probe;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    probe.start_failure_ = std::string("pipe failed: ") + std::strerror(errno);
    return probe;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    probe.start_failure_ = std::string("fork failed: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return probe;
  }
  if (pid == 0) {
    close(fds[0]);
    ReportModuleLoadAndExit(fds[1]);
  }
  close(fds[1]);
  probe.pid_ = pid;
  probe.read_fd_ = fds[0];
  return probe;
}

PdfModuleProbe::PdfModuleProbe(PdfModuleProbe&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      read_fd_(std::exchange(other.read_fd_, -1)),
      start_failure_(std::move(other.start_failure_)) {}

PdfModuleProbe::~PdfModuleProbe() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (read_fd_ >= 0) {
    close(read_fd_);
  }
}

std::optional<std::string> PdfModuleProblem() {
  ModuleProblem& problem = LatestModuleProblem();
  std::lock_guard lock(problem.mutex);
  return problem.message;
}

Result<std::string> PdfModuleProbe::Wait(std::chrono::milliseconds timeout) {
  Result<std::string> module = ReadReport(timeout);
  RecordModuleProblem(module ? std::nullopt : std::optional(module.error().message));
  return module;
}

Result<std::string> PdfModuleProbe::ReadReport(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) {
    return Fail(ModuleUnavailable("cannot check the PDF reader module: " + start_failure_));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string report;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd ready{.fd = read_fd_, .events = POLLIN, .revents = 0};
    const int polled = poll(&ready, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) {
      continue;
    }
    if (polled <= 0) {
      timed_out = polled == 0;
      break;
    }
    char buffer[4096];
    const ssize_t got = read(read_fd_, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break;  // end of file: the child has exited
    }
    report.append(buffer, static_cast<size_t>(got));
  }
  if (timed_out) {
    kill(pid_, SIGKILL);
  }
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  close(read_fd_);
  read_fd_ = -1;

  if (timed_out) {
    return Fail(ModuleUnavailable("cannot check the PDF reader module: loading it in a child " +
                                  std::string("process took more than ") +
                                  std::to_string(timeout.count()) + " ms"));
  }
  if (report.starts_with('1')) {
    return report.substr(1);
  }
  if (report.starts_with('0')) {
    return Fail(ModuleUnavailable(report.substr(1)));
  }
  return Fail(ModuleUnavailable(
      "cannot check the PDF reader module: the child process that loads it exited without a "
      "report"));
}

}  // namespace openlabs::articles
