#include "services/articles/test_pdf.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace openlabs::articles {
namespace {

// Escapes a string for a PDF literal string "(...)".
std::string PdfLiteral(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '(' || c == ')' || c == '\\') {
      escaped += '\\';
    }
    escaped += c;
  }
  return escaped;
}

}  // namespace

std::string MakeTestPdf(const std::vector<std::string>& pages) {
  // Objects: 1 catalog, 2 page tree, 3 font, then a page and its content stream per page.
  std::vector<std::string> objects;
  std::string kids;
  for (size_t i = 0; i < pages.size(); ++i) {
    kids += std::to_string(4 + 2 * i) + " 0 R ";
  }
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) +
                    " >>");
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  for (size_t i = 0; i < pages.size(); ++i) {
    const std::string stream = "BT /F1 12 Tf 72 720 Td (" + PdfLiteral(pages[i]) + ") Tj ET";
    objects.push_back(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R "
        ">> >> /Contents " +
        std::to_string(5 + 2 * i) + " 0 R >>");
    objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream +
                      "\nendstream");
  }

  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref_offset = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[21];
    std::snprintf(line, sizeof(line), "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref_offset) + "\n%%EOF\n";
  return pdf;
}

std::optional<std::string> CorpusArticlesDir() {
  const char* configured = std::getenv("OPENLABS_CORPUS_DIR");
  const std::filesystem::path root =
      configured != nullptr && *configured != '\0' ? configured : "/work/shared/corpus";
  const std::filesystem::path dir = root / "articles";
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return std::nullopt;
  }
  return dir.string();
}

}  // namespace openlabs::articles
