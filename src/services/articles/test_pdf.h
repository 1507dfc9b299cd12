#pragma once

#include <optional>
#include <string>
#include <vector>

// PDF fixtures for tests of the articles service and its routes.
namespace openlabs::articles {

// A valid PDF with one page per string, each showing its text (printable ASCII) in Helvetica.
// The cross-reference table has the real byte offsets, so strict readers accept it.
std::string MakeTestPdf(const std::vector<std::string>& pages);

// The corpus folder of real articles: $OPENLABS_CORPUS_DIR/articles, by default
// /work/shared/corpus/articles. Empty when the folder does not exist.
std::optional<std::string> CorpusArticlesDir();

}  // namespace openlabs::articles
