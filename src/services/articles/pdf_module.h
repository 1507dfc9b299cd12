#pragma once

// The interface between pdf_text.cc and the PDF reader module (pdf_module.cc), which is the only
// code linked against poppler. The server loads the module with dlopen on the first PDF, so that
// poppler and the libraries it needs (NSS, freetype, lcms2, libtiff and others) are mapped only
// in a process that reads PDFs. Both sides are built by the same CMake project with the same
// compiler and standard library, so the function may take C++ types.

#include <string>
#include <string_view>
#include <vector>

namespace openlabs::articles {

// Results of kPdfModuleExtractSymbol.
enum class PdfModuleStatus : int {
  kOk = 0,
  kUnreadable = 1,  // poppler could not open the data as a PDF
  kLocked = 2,      // the PDF is encrypted with a password
};

// The exported function: reads `data` and appends the UTF-8 text of each page to `pages`.
using PdfModuleExtractFunction = PdfModuleStatus (*)(std::string_view data,
                                                     std::vector<std::string>* pages);

inline constexpr const char* kPdfModuleExtractSymbol = "openlabs_pdf_extract_text";

}  // namespace openlabs::articles
