#include "services/assistant/corpus.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "services/articles/pdf_text.h"

namespace openlabs::assistant {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The lab's title: the front matter's "title:", else its first heading, else the file name.
std::string LabTitle(const std::string& markdown, const fs::path& path) {
  std::istringstream lines(markdown);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("title:", 0) == 0) {
      std::string title = line.substr(6);
      std::erase(title, '"');
      return title.substr(title.find_first_not_of(' '));
    }
    if (line.rfind("# ", 0) == 0) {
      return line.substr(2);
    }
  }
  return path.stem().string();
}

}  // namespace

std::optional<std::string> CorpusRoot() {
  const char* configured = std::getenv("OPENLABS_CORPUS_DIR");
  const fs::path root =
      configured != nullptr && *configured != '\0' ? configured : "/work/shared/corpus";
  std::error_code error;
  if (!fs::is_directory(root / "labs", error)) {
    return std::nullopt;
  }
  return root.string();
}

Result<std::vector<CorpusDocument>> LoadCorpus(const std::string& root) {
  std::vector<fs::path> files;
  for (const char* folder : {"labs", "articles"}) {
    std::error_code error;
    for (fs::recursive_directory_iterator it(fs::path(root) / folder, error), end;
         !error && it != end; it.increment(error)) {
      const fs::path& path = it->path();
      const std::string name = path.filename().string();
      if (it->is_regular_file() && name != "MANIFEST.md" &&
          (path.extension() == ".md" || path.extension() == ".pdf")) {
        files.push_back(fs::relative(path, root));
      }
    }
  }
  std::sort(files.begin(), files.end());

  std::vector<CorpusDocument> documents;
  for (const fs::path& relative : files) {
    std::optional<std::string> content = ReadFile(fs::path(root) / relative);
    if (!content) {
      return Fail(Error::Internal("reading " + relative.string() + " failed"));
    }
    CorpusDocument document;
    document.path = relative.string();
    document.source.id = static_cast<int64_t>(documents.size() + 1);
    document.source.version = 1;
    if (relative.extension() == ".pdf") {
      Result<articles::PdfText> text = articles::ExtractPdfText(*content);
      if (!text) {
        return Fail(text.error());
      }
      document.source.type = "article";
      document.source.title = relative.stem().string();
      document.source.pages = std::move(text->pages);
    } else {
      document.source.type = "lab";
      document.source.title = LabTitle(*content, relative);
      document.source.markdown = std::move(*content);
    }
    documents.push_back(std::move(document));
  }
  return documents;
}

Result<std::vector<Question>> LoadQuestions(const std::string& path) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) {
    return Fail(Error::InvalidArgument("The question file " + path + " could not be read."));
  }
  const nlohmann::json parsed = nlohmann::json::parse(*text, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("questions") || !parsed["questions"].is_array()) {
    return Fail(Error::InvalidArgument(path + " has no \"questions\" array."));
  }
  std::vector<Question> questions;
  for (const nlohmann::json& entry : parsed["questions"]) {
    Question question;
    if (!entry.is_object() || !entry.contains("question") || !entry.contains("document") ||
        !entry.contains("location") || !entry["location"].is_object()) {
      return Fail(Error::InvalidArgument(path + ": entry " + std::to_string(questions.size() + 1) +
                                         " needs question, document and location."));
    }
    question.id = entry.value("id", std::to_string(questions.size() + 1));
    question.question = entry["question"].get<std::string>();
    question.document = entry["document"].get<std::string>();
    question.anchor = entry["location"].value("anchor", "");
    question.page = entry["location"].value("page", 0);
    if (question.anchor.empty() == (question.page == 0)) {
      return Fail(Error::InvalidArgument(path + ": question " + question.id +
                                         " needs exactly one of location.anchor and "
                                         "location.page."));
    }
    questions.push_back(std::move(question));
  }
  return questions;
}

Result<RecallResult> MeasureRecall(Retriever& retriever, const std::vector<CorpusDocument>& corpus,
                                   const std::vector<Question>& questions, int k, bool scoped) {
  RecallResult result;
  for (const Question& question : questions) {
    const auto document =
        std::find_if(corpus.begin(), corpus.end(),
                     [&](const CorpusDocument& item) { return item.path == question.document; });
    if (document == corpus.end()) {
      return Fail(Error::InvalidArgument("question " + question.id + " names " +
                                         question.document + ", which is not in the corpus"));
    }
    Scope scope;
    if (scoped) {
      scope = {document->source.type, document->source.id};
    }
    const RetrievalOptions options{.scope_limit = k, .related_limit = 0};
    Result<std::vector<RetrievedPassage>> retrieved =
        retriever.Retrieve(question.question, scope, options);
    if (!retrieved) {
      return Fail(retrieved.error());
    }
    ++result.questions;
    const bool found = std::any_of(
        retrieved->begin(), retrieved->end(), [&](const RetrievedPassage& item) {
          const StoredPassage& stored = item.stored;
          return stored.doc_type == document->source.type &&
                 stored.doc_id == document->source.id &&
                 (question.page > 0 ? stored.passage.page == question.page
                                    : stored.passage.anchor == question.anchor);
        });
    if (found) {
      ++result.found;
    } else {
      result.missed_ids.push_back(question.id);
    }
  }
  return result;
}

}  // namespace openlabs::assistant
