#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::articles {

// The text of a PDF, one UTF-8 string per page.
struct PdfText {
  std::vector<std::string> pages;
};

// True when "%PDF-" occurs in the first 1024 bytes, where PDF readers look for the header.
bool HasPdfHeader(std::string_view data);

// Opens `data` with poppler and extracts the text of every page. kValidationFailed (on the
// "file" field) when the data has no PDF header, poppler cannot open it, or it is encrypted
// with a password. Poppler runs in the PDF reader module (pdf_module.h), loaded on the first
// call; kInternal when it cannot be loaded. Thread-safe: calls are serialized, because poppler's global state is not
// documented as safe for concurrent use.
Result<PdfText> ExtractPdfText(std::string_view data);

}  // namespace openlabs::articles
