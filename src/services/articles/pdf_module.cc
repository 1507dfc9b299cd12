// The PDF reader module: built as a shared object that pdf_text.cc loads on the first PDF
// (see pdf_module.h). Callers serialize calls, so poppler's global state is never shared between
// threads.

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "services/articles/pdf_module.h"

namespace {

// Sends poppler's diagnostics to the debug log instead of stderr.
void LogPopplerMessage(const std::string& message, void*) { spdlog::debug("poppler: {}", message); }

}  // namespace

extern "C" __attribute__((visibility("default"))) openlabs::articles::PdfModuleStatus
openlabs_pdf_extract_text(std::string_view data, std::vector<std::string>* pages) {
  using openlabs::articles::PdfModuleStatus;
  poppler::set_debug_error_function(LogPopplerMessage, nullptr);
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_raw_data(data.data(), static_cast<int>(data.size())));
  if (document == nullptr) {
    return PdfModuleStatus::kUnreadable;
  }
  if (document->is_locked()) {
    return PdfModuleStatus::kLocked;
  }
  const int page_count = document->pages();
  pages->reserve(pages->size() + static_cast<size_t>(std::max(page_count, 0)));
  for (int i = 0; i < page_count; ++i) {
    std::unique_ptr<poppler::page> page(document->create_page(i));
    if (page == nullptr) {
      pages->emplace_back();
      continue;
    }
    const poppler::byte_array utf8 = page->text().to_utf8();
    pages->emplace_back(utf8.begin(), utf8.end());
  }
  return PdfModuleStatus::kOk;
}
