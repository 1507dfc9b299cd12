// Measures the assistant's retrieval on the shared corpus: recall@5 on the question set, and
// retrieval latency over the corpus plus generated passages. bench/assistant/run.sh runs it and
// writes bench/assistant.md.
//
//   assistant_bench recall QUESTIONS.json [--database-url URL]
//   assistant_bench latency [--extra N] [--queries N] [--database-url URL]
//   assistant_bench dump [PATH-PREFIX]      prints the passages of the corpus documents
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "services/assistant/corpus.h"
#include "services/assistant/indexer.h"
#include "services/assistant/passage_store.h"
#include "services/assistant/retriever.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::assistant {
namespace {

struct Options {
  std::string command;
  std::string argument;
  std::string database_url;
  int extra = 100'000;
  int queries = 400;
};

int Usage() {
  std::fprintf(stderr,
               "usage: assistant_bench recall QUESTIONS.json [--database-url URL]\n"
               "       assistant_bench latency [--extra N] [--queries N] [--database-url URL]\n"
               "       assistant_bench dump [PATH-PREFIX]\n"
               "The corpus is read from $OPENLABS_CORPUS_DIR (default /work/shared/corpus).\n"
               "Without --database-url, a new SQLite file in a temporary folder is used.\n");
  return 2;
}

std::unique_ptr<storage::Database> OpenDatabase(const std::string& url) {
  std::string effective = url;
  if (effective.empty()) {
    const std::filesystem::path folder =
        std::filesystem::temp_directory_path() /
        ("openlabs-assistant-bench-" + std::to_string(std::random_device{}()));
    effective = "sqlite://" + (folder / "bench.db").string();
  }
  Result<std::unique_ptr<storage::Database>> database = storage::Database::Open(effective, 4);
  if (!database) {
    std::fprintf(stderr, "error: opening %s failed: %s\n", effective.c_str(),
                 database.error().internal.c_str());
    std::exit(1);
  }
  if (Result<int> applied =
          storage::ApplyMigrations(**database, "assistant", AssistantMigrations());
      !applied) {
    std::fprintf(stderr, "error: migrating failed: %s\n", applied.error().internal.c_str());
    std::exit(1);
  }
  return std::move(*database);
}

std::vector<CorpusDocument> LoadCorpusOrExit() {
  std::optional<std::string> root = CorpusRoot();
  if (!root) {
    std::fprintf(stderr, "error: no corpus found; set OPENLABS_CORPUS_DIR\n");
    std::exit(1);
  }
  Result<std::vector<CorpusDocument>> corpus = LoadCorpus(*root);
  if (!corpus) {
    std::fprintf(stderr, "error: loading the corpus failed: %s\n",
                 corpus.error().internal.c_str());
    std::exit(1);
  }
  return std::move(*corpus);
}

void IndexCorpus(PassageStore& store, const std::vector<CorpusDocument>& corpus) {
  for (const CorpusDocument& document : corpus) {
    std::vector<int64_t> removed;
    if (Result<std::vector<int64_t>> ids = store.Replace(SplitDocument(document.source), removed);
        !ids) {
      std::fprintf(stderr, "error: indexing %s failed: %s\n", document.path.c_str(),
                   ids.error().internal.c_str());
      std::exit(1);
    }
  }
}

int Dump(const std::string& prefix) {
  for (const CorpusDocument& document : LoadCorpusOrExit()) {
    if (document.path.rfind(prefix, 0) != 0) {
      continue;
    }
    for (const Passage& passage : SplitDocument(document.source).passages) {
      std::printf("=== %s | %s | anchor=%s page=%d%s\n%s\n\n", document.path.c_str(),
                  passage.heading.c_str(), passage.anchor.c_str(), passage.page,
                  passage.solution ? " solution" : "", passage.text.c_str());
    }
  }
  return 0;
}

int Recall(const Options& options) {
  const std::vector<CorpusDocument> corpus = LoadCorpusOrExit();
  Result<std::vector<Question>> questions = LoadQuestions(options.argument);
  if (!questions) {
    std::fprintf(stderr, "error: %s\n", questions.error().message.c_str());
    return 1;
  }
  std::unique_ptr<storage::Database> database = OpenDatabase(options.database_url);
  PassageStore store(*database);
  IndexCorpus(store, corpus);
  Retriever retriever(store, nullptr, {});
  const int64_t passages = store.CountPassages().value_or(0);
  std::printf("documents=%zu passages=%lld questions=%zu\n", corpus.size(),
              static_cast<long long>(passages), questions->size());
  for (const bool scoped : {true, false}) {
    Result<RecallResult> result = MeasureRecall(retriever, corpus, *questions, 5, scoped);
    if (!result) {
      std::fprintf(stderr, "error: %s\n", result.error().message.c_str());
      return 1;
    }
    std::string missed;
    for (const std::string& id : result->missed_ids) {
      missed += (missed.empty() ? "" : ",") + id;
    }
    std::printf("%s recall@5=%.3f found=%d/%d missed=%s\n", scoped ? "scoped" : "corpus",
                result->recall(), result->found, result->questions,
                missed.empty() ? "-" : missed.c_str());
  }
  return 0;
}

// A generated passage of `words` words drawn from the corpus vocabulary, so that term
// frequencies resemble real text.
std::string GeneratedText(const std::vector<std::string>& vocabulary, std::mt19937& random,
                          int words) {
  std::uniform_int_distribution<size_t> pick(0, vocabulary.size() - 1);
  std::string text;
  for (int i = 0; i < words; ++i) {
    text += (i == 0 ? "" : " ") + vocabulary[pick(random)];
  }
  return text;
}

int Latency(const Options& options) {
  const std::vector<CorpusDocument> corpus = LoadCorpusOrExit();
  std::unique_ptr<storage::Database> database = OpenDatabase(options.database_url);
  PassageStore store(*database);
  IndexCorpus(store, corpus);

  std::vector<std::string> vocabulary;
  std::vector<std::string> corpus_texts;
  for (const CorpusDocument& document : corpus) {
    for (const Passage& passage : SplitDocument(document.source).passages) {
      corpus_texts.push_back(passage.text);
      std::string word;
      for (const char c : passage.text + " ") {
        if (std::isalpha(static_cast<unsigned char>(c))) {
          word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!word.empty()) {
          if (word.size() > 2) {
            vocabulary.push_back(word);
          }
          word.clear();
        }
      }
    }
  }

  // Generated documents of 50 passages each, about 150 words per passage.
  std::mt19937 random(20261204);
  const auto load_started = std::chrono::steady_clock::now();
  constexpr int kPassagesPerDocument = 50;
  for (int generated = 0, document = 0; generated < options.extra; ++document) {
    IndexedDocument indexed;
    indexed.type = "lab";
    indexed.id = 1'000'000 + document;
    indexed.title = "Generated lab " + std::to_string(document);
    indexed.version = 1;
    for (int i = 0; i < kPassagesPerDocument && generated < options.extra; ++i, ++generated) {
      Passage passage;
      passage.heading = "Section " + std::to_string(i);
      passage.anchor = "section-" + std::to_string(i);
      passage.text = GeneratedText(vocabulary, random, 150);
      indexed.passages.push_back(std::move(passage));
    }
    std::vector<int64_t> removed;
    if (!store.Replace(indexed, removed)) {
      std::fprintf(stderr, "error: storing generated passages failed\n");
      return 1;
    }
  }
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_started).count();

  // Questions: 4 to 10 words of a random corpus passage, so every query has real matches.
  Retriever retriever(store, nullptr, {});
  // Wall time, and the CPU time of this thread, which a loaded machine inflates less.
  std::vector<double> scoped_ms;
  std::vector<double> corpus_ms;
  std::vector<double> scoped_cpu_ms;
  std::vector<double> corpus_cpu_ms;
  std::uniform_int_distribution<size_t> pick_text(0, corpus_texts.size() - 1);
  std::uniform_int_distribution<int> pick_length(4, 10);
  for (int i = 0; i < options.queries; ++i) {
    const std::string& text = corpus_texts[pick_text(random)];
    std::vector<std::string> words;
    std::string word;
    for (const char c : text + " ") {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        word += c;
      } else if (!word.empty()) {
        words.push_back(word);
        word.clear();
      }
    }
    std::string question;
    const int length = std::min<int>(pick_length(random), static_cast<int>(words.size()));
    const size_t start = words.size() > static_cast<size_t>(length)
                             ? std::uniform_int_distribution<size_t>(0, words.size() - length)(random)
                             : 0;
    for (int w = 0; w < length; ++w) {
      question += (w == 0 ? "" : " ") + words[start + w];
    }
    const Scope scope{corpus[i % corpus.size()].source.type, corpus[i % corpus.size()].source.id};
    for (const bool scoped : {true, false}) {
      timespec cpu_started{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_started);
      const auto started = std::chrono::steady_clock::now();
      Result<std::vector<RetrievedPassage>> result = retriever.Retrieve(
          question, scoped ? scope : Scope{}, {.scope_limit = 5, .related_limit = scoped ? 3 : 0});
      const double ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - started)
                            .count();
      timespec cpu_finished{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_finished);
      const double cpu_ms = (cpu_finished.tv_sec - cpu_started.tv_sec) * 1e3 +
                            (cpu_finished.tv_nsec - cpu_started.tv_nsec) / 1e6;
      (scoped ? scoped_cpu_ms : corpus_cpu_ms).push_back(cpu_ms);
      if (!result) {
        std::fprintf(stderr, "error: retrieval failed: %s\n", result.error().internal.c_str());
        return 1;
      }
      (scoped ? scoped_ms : corpus_ms).push_back(ms);
    }
  }
  const auto percentile = [](std::vector<double> values, double fraction) {
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1,
                                  static_cast<size_t>(fraction * static_cast<double>(values.size())));
    return values[index];
  };
  std::printf("passages=%lld generated=%d load_seconds=%.1f queries=%d\n",
              static_cast<long long>(store.CountPassages().value_or(0)), options.extra,
              load_seconds, options.queries);
  std::printf("scoped p50_ms=%.2f p99_ms=%.2f cpu_p50_ms=%.2f cpu_p99_ms=%.2f\n",
              percentile(scoped_ms, 0.5), percentile(scoped_ms, 0.99),
              percentile(scoped_cpu_ms, 0.5), percentile(scoped_cpu_ms, 0.99));
  std::printf("corpus p50_ms=%.2f p99_ms=%.2f cpu_p50_ms=%.2f cpu_p99_ms=%.2f\n",
              percentile(corpus_ms, 0.5), percentile(corpus_ms, 0.99),
              percentile(corpus_cpu_ms, 0.5), percentile(corpus_cpu_ms, 0.99));
  return 0;
}

}  // namespace
}  // namespace openlabs::assistant

int main(int argc, char** argv) {
  using openlabs::assistant::Options;
  Options options;
  if (argc < 2) {
    return openlabs::assistant::Usage();
  }
  options.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--database-url" && i + 1 < argc) {
      options.database_url = argv[++i];
    } else if (arg == "--extra" && i + 1 < argc) {
      options.extra = std::atoi(argv[++i]);
    } else if (arg == "--queries" && i + 1 < argc) {
      options.queries = std::max(1, std::atoi(argv[++i]));
    } else if (arg.rfind("--", 0) != 0 && options.argument.empty()) {
      options.argument = arg;
    } else {
      return openlabs::assistant::Usage();
    }
  }
  if (options.command == "dump") {
    return openlabs::assistant::Dump(options.argument);
  }
  if (options.command == "recall" && !options.argument.empty()) {
    return openlabs::assistant::Recall(options);
  }
  if (options.command == "latency") {
    return openlabs::assistant::Latency(options);
  }
  return openlabs::assistant::Usage();
}
