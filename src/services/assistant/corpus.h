#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "services/assistant/indexer.h"
#include "services/assistant/retriever.h"

// The shared test corpus as assistant sources, for the retrieval tests and the benchmark.
namespace openlabs::assistant {

struct CorpusDocument {
  std::string path;  // relative to the corpus root, e.g. "labs/cs231n/classification.md"
  SourceDocument source;
};

// Returns the corpus root: $OPENLABS_CORPUS_DIR if set, else /work/shared/corpus, or nullopt
// when that folder has no "labs" folder.
std::optional<std::string> CorpusRoot();

// Every lab Markdown file under <root>/labs and every PDF under <root>/articles, sorted by path,
// with ids 1, 2, 3… in that order. PDF text comes from poppler, as the articles service
// extracts it.
Result<std::vector<CorpusDocument>> LoadCorpus(const std::string& root);

// A question of bench/assistant/questions.json and the passage that answers it.
struct Question {
  std::string id;
  std::string question;
  std::string document;  // corpus path of the answering document
  std::string anchor;    // lab section id, or empty
  int page = 0;          // PDF page, or 0
};

// Reads the question set; kInvalidArgument names the entry that is malformed.
Result<std::vector<Question>> LoadQuestions(const std::string& path);

struct RecallResult {
  int questions = 0;
  int found = 0;                        // answering passage among the top k
  std::vector<std::string> missed_ids;  // questions whose passage was not found
  double recall() const { return questions == 0 ? 0 : static_cast<double>(found) / questions; }
};

// Recall@k of `retriever` on `questions`: a question counts when one of the first k passages is
// in the answering document at the answering location. With `scoped`, each question is asked
// in the scope of its document (as the chat on that lab or article page does); otherwise over
// the whole index.
Result<RecallResult> MeasureRecall(Retriever& retriever,
                                   const std::vector<CorpusDocument>& corpus,
                                   const std::vector<Question>& questions, int k, bool scoped);

}  // namespace openlabs::assistant
