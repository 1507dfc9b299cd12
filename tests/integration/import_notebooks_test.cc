// `openlabs import notebooks` run as a command on the corpus, on both SQL engines.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "api_test.h"
#include "common/random.h"

namespace openlabs::integration {
namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // standard output; the logs on standard error are dropped
};

CommandResult RunImport(const std::string& arguments) {
  const std::string command =
      std::string(OPENLABS_BINARY) + " import notebooks " + arguments + " 2>/dev/null";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buffer[4096];
  size_t read = 0;
  while ((read = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    result.output.append(buffer, read);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

fs::path NotebookCorpus() {
  const char* corpus = std::getenv("OPENLABS_CORPUS_DIR");
  return fs::path(corpus != nullptr && *corpus != '\0' ? corpus : "/work/shared/corpus") /
         "marimo-notebooks";
}

class ImportNotebooksTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    if (PostgresMissing(GetParam())) {
      GTEST_SKIP() << kNoPostgresMessage;
    }
    if (!fs::is_directory(NotebookCorpus())) {
      GTEST_SKIP() << "no notebooks in " << NotebookCorpus() << "; set OPENLABS_CORPUS_DIR";
    }
    data_dir_ = fs::temp_directory_path() / ("import-notebooks-" + NewUuid());
    fs::create_directories(data_dir_);
    storage_ = "--data-dir '" + data_dir_.string() + "' --database-url '" +
               storage::NewTestDatabaseUrl(GetParam()) + "'";
  }

  void TearDown() override { fs::remove_all(data_dir_); }

  fs::path data_dir_;
  std::string storage_;
};

TEST_P(ImportNotebooksTest, CorpusImportsOnceThenSkips) {
  size_t files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(NotebookCorpus())) {
    files += entry.path().extension() == ".py" ? 1 : 0;
  }
  const std::string dir = "'" + NotebookCorpus().string() + "' ";

  const CommandResult first = RunImport(dir + storage_);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("one new lab per notebook"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("Imported " + std::to_string(files) + ", skipped 0"),
            std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("imported ui_slider.py as notebook"), std::string::npos)
      << first.output;

  const CommandResult second = RunImport(dir + storage_);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("Imported 0, skipped " + std::to_string(files)), std::string::npos)
      << second.output;

  const CommandResult missing_lab = RunImport(dir + storage_ + " --lab 999999");
  EXPECT_EQ(missing_lab.exit_code, 2) << missing_lab.output;
}

TEST_P(ImportNotebooksTest, RejectionsAreExplained) {
  const fs::path dir = data_dir_ / "notebooks";
  fs::create_directories(dir);
  std::ofstream(dir / "broken.py") << "import marimo\napp = marimo.App(\n";
  std::ofstream(dir / "plain.py") << "print('not a notebook')\n";
  const CommandResult result = RunImport("'" + dir.string() + "' " + storage_);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("rejected broken.py: The file is not valid Python"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("ignored plain.py: not a marimo notebook"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("Imported 0, skipped 0 (already imported), rejected 1, ignored 1"),
            std::string::npos)
      << result.output;
}

INSTANTIATE_TEST_SUITE_P(Engines, ImportNotebooksTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
