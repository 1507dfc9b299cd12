#include "services/articles/pdf_text.h"

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <spdlog/spdlog.h>

#include <climits>
#include <memory>
#include <mutex>

namespace openlabs::articles {
namespace {

constexpr size_t kHeaderWindowBytes = 1024;

Error NotPdf(std::string message) { return Error::Validation({{"file", std::move(message)}}); }

// Sends poppler's diagnostics to the debug log instead of stderr.
void LogPopplerMessage(const std::string& message, void*) { spdlog::debug("poppler: {}", message); }

std::mutex& PopplerMutex() {
  static std::mutex mutex;
  return mutex;
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
  poppler::set_debug_error_function(LogPopplerMessage, nullptr);
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_raw_data(data.data(), static_cast<int>(data.size())));
  if (document == nullptr) {
    return Fail(NotPdf("is not a readable PDF: the PDF reader could not open it"));
  }
  if (document->is_locked()) {
    return Fail(NotPdf("is a password-protected PDF; upload it without a password"));
  }

  PdfText text;
  const int page_count = document->pages();
  text.pages.reserve(static_cast<size_t>(std::max(page_count, 0)));
  for (int i = 0; i < page_count; ++i) {
    std::unique_ptr<poppler::page> page(document->create_page(i));
    if (page == nullptr) {
      text.pages.emplace_back();
      continue;
    }
    const poppler::byte_array utf8 = page->text().to_utf8();
    text.pages.emplace_back(utf8.begin(), utf8.end());
  }
  if (text.pages.empty()) {
    return Fail(NotPdf("is a PDF without pages"));
  }
  return text;
}

}  // namespace openlabs::articles
