#include "services/articles/pdf_text.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "services/articles/test_pdf.h"

namespace openlabs::articles {
namespace {

std::string FieldMessage(const Error& error) {
  return error.details.empty() ? error.message : error.details[0].message;
}

TEST(ExtractPdfText, ReadsEveryPage) {
  Result<PdfText> text = ExtractPdfText(MakeTestPdf({"first page words", "second (page)"}));
  ASSERT_TRUE(text) << FieldMessage(text.error());
  ASSERT_EQ(text->pages.size(), 2u);
  EXPECT_NE(text->pages[0].find("first page words"), std::string::npos) << text->pages[0];
  EXPECT_NE(text->pages[1].find("second (page)"), std::string::npos) << text->pages[1];
}

TEST(ExtractPdfText, RejectsEmptyData) {
  Result<PdfText> text = ExtractPdfText("");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kValidationFailed);
  EXPECT_NE(FieldMessage(text.error()).find("empty"), std::string::npos);
}

TEST(ExtractPdfText, RejectsDataWithoutHeader) {
  Result<PdfText> text = ExtractPdfText("<html>not a pdf</html>");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(text.error().details[0].field, "file");
  EXPECT_NE(FieldMessage(text.error()).find("%PDF-"), std::string::npos);
}

TEST(ExtractPdfText, RejectsHeaderWithGarbage) {
  Result<PdfText> text = ExtractPdfText("%PDF-1.7\nthis is not really a PDF body");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::kValidationFailed);
}

TEST(ExtractPdfText, AcceptsHeaderAfterJunk) {
  // Readers look for the header in the first 1024 bytes, so a small prefix is allowed.
  Result<PdfText> text = ExtractPdfText(std::string(100, ' ') + MakeTestPdf({"shifted"}));
  EXPECT_TRUE(text);
}

TEST(HasPdfHeader, LooksInFirstKilobyte) {
  EXPECT_TRUE(HasPdfHeader("%PDF-1.4"));
  EXPECT_TRUE(HasPdfHeader(std::string(1000, 'x') + "%PDF-1.4"));
  EXPECT_FALSE(HasPdfHeader(std::string(1024, 'x') + "%PDF-1.4"));
  EXPECT_FALSE(HasPdfHeader("%PDF"));
}

TEST(ExtractPdfText, ReadsCorpusPdfs) {
  const std::optional<std::string> dir = CorpusArticlesDir();
  if (!dir) {
    GTEST_SKIP() << "no corpus articles folder; set OPENLABS_CORPUS_DIR";
  }
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(*dir)) {
    if (entry.path().extension() != ".pdf") {
      continue;
    }
    std::ifstream file(entry.path(), std::ios::binary);
    std::stringstream data;
    data << file.rdbuf();
    Result<PdfText> text = ExtractPdfText(data.str());
    ASSERT_TRUE(text) << entry.path() << ": " << FieldMessage(text.error());
    EXPECT_GE(text->pages.size(), 1u) << entry.path();
    EXPECT_GT(text->pages[0].size(), 100u) << entry.path();
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// The probe runs in a child process, so the module must load there and the test process must
// not map poppler because of it.
TEST(PdfModuleProbe, FindsBuiltModule) {
  PdfModuleProbe probe = PdfModuleProbe::Start();

  const Result<std::string> module = probe.Wait();

  ASSERT_TRUE(module) << module.error().internal;
  EXPECT_TRUE(module->ends_with("openlabs-pdf.so")) << *module;
  EXPECT_FALSE(PdfModuleProblem().has_value());
}

TEST(PdfModuleProbe, ReportsMissingModule) {
  const std::string missing = "/nonexistent/openlabs-pdf.so";
  ASSERT_EQ(setenv("OPENLABS_PDF_MODULE", missing.c_str(), 1), 0);
  PdfModuleProbe probe = PdfModuleProbe::Start();

  const Result<std::string> module = probe.Wait();
  unsetenv("OPENLABS_PDF_MODULE");

  ASSERT_FALSE(module);
  EXPECT_EQ(module.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(module.error().message.find("openlabs-pdf.so"), std::string::npos);
  EXPECT_NE(module.error().internal.find(missing + ": not found"), std::string::npos)
      << module.error().internal;
  EXPECT_EQ(PdfModuleProblem(), module.error().message);
}

// A failed probe is reported until a PDF is read with a module that loads.
TEST(PdfModuleProblem, ClearedByLaterLoad) {
  ASSERT_EQ(setenv("OPENLABS_PDF_MODULE", "/nonexistent/openlabs-pdf.so", 1), 0);
  PdfModuleProbe probe = PdfModuleProbe::Start();
  const Result<std::string> module = probe.Wait();
  unsetenv("OPENLABS_PDF_MODULE");
  ASSERT_FALSE(module);
  ASSERT_TRUE(PdfModuleProblem().has_value());

  const Result<PdfText> text = ExtractPdfText(MakeTestPdf({"loaded later"}));

  ASSERT_TRUE(text) << FieldMessage(text.error());
  EXPECT_FALSE(PdfModuleProblem().has_value());
}

}  // namespace
}  // namespace openlabs::articles
