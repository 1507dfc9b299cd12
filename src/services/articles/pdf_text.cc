#include "services/articles/pdf_text.h"

#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <climits>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "services/articles/pdf_module.h"

namespace openlabs::articles {
namespace {

constexpr size_t kHeaderWindowBytes = 1024;

Error NotPdf(std::string message) { return Error::Validation({{"file", std::move(message)}}); }

std::mutex& PopplerMutex() {
  static std::mutex mutex;
  return mutex;
}

// Loads the PDF reader module once and returns its function, or an error naming the paths that
// were tried. The module is looked for beside the running executable first (a copied or
// installed binary), then at the path where this build wrote it. The caller holds PopplerMutex.
// NOTE: nothing looks for the module at start-up, so a binary copied without it fails only on
// its first PDF, with an internal error and this function's message in the log.
Result<PdfModuleExtractFunction> LoadPdfModule() {
  static PdfModuleExtractFunction loaded = nullptr;
  if (loaded != nullptr) {
    return loaded;
  }
  std::vector<std::filesystem::path> candidates;
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back(executable.parent_path() / OPENLABS_PDF_MODULE_NAME);
  }
  candidates.emplace_back(OPENLABS_PDF_MODULE_PATH);

  std::string failures;
  for (const std::filesystem::path& candidate : candidates) {
    if (!std::filesystem::exists(candidate, error)) {
      failures += candidate.string() + ": not found; ";
      continue;
    }
    // The handle stays open for the life of the process.
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
    loaded = reinterpret_cast<PdfModuleExtractFunction>(symbol);
    spdlog::info("loaded the PDF reader module {}", candidate.string());
    return loaded;
  }
  return Fail(Error::Internal("cannot load the PDF reader module: " + failures));
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
  if (!extract) {
    spdlog::error("{}", extract.error().internal);
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
