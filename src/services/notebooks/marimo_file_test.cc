#include "services/notebooks/marimo_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/random.h"

namespace openlabs::notebooks {
namespace {

namespace fs = std::filesystem;

fs::path CorpusDir() {
  const char* corpus = std::getenv("OPENLABS_CORPUS_DIR");
  return fs::path(corpus != nullptr && *corpus != '\0' ? corpus : "/work/shared/corpus") /
         "marimo-notebooks";
}

std::vector<fs::path> CorpusNotebooks() {
  std::vector<fs::path> files;
  if (!fs::is_directory(CorpusDir())) {
    return files;
  }

  for (const fs::directory_entry& entry : fs::directory_iterator(CorpusDir())) {
    if (entry.path().extension() == ".py") {
      files.push_back(entry.path());
    }
  }

  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The lines of `text` that are not blank: marimo's writer puts blank lines in places (after
// imports, before a return) that carry no meaning.
std::vector<std::string> NonBlankLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t") != std::string::npos) {
      lines.push_back(line);
    }
  }
  return lines;
}

void ExpectSameCells(const MarimoNotebook& expected, const MarimoNotebook& actual,
                     const std::string& label) {
  ASSERT_EQ(expected.cells.size(), actual.cells.size()) << label;
  for (size_t i = 0; i < expected.cells.size(); ++i) {
    EXPECT_EQ(expected.cells[i].kind, actual.cells[i].kind) << label << " cell " << i << ":\n"
                                                            << expected.cells[i].code;
    EXPECT_EQ(expected.cells[i].name, actual.cells[i].name) << label << " cell " << i;
    EXPECT_EQ(expected.cells[i].code, actual.cells[i].code) << label << " cell " << i;
    EXPECT_EQ(expected.cells[i].options, actual.cells[i].options) << label << " cell " << i;
  }
  EXPECT_EQ(expected.header, actual.header) << label;
  EXPECT_EQ(expected.app_arguments, actual.app_arguments) << label;
  EXPECT_EQ(expected.generated_with, actual.generated_with) << label;
}

TEST(MarimoFile, CorpusRoundTripKeepsEveryCell) {
  const std::vector<fs::path> files = CorpusNotebooks();
  if (files.empty()) {
    GTEST_SKIP() << "no notebooks in " << CorpusDir() << "; set OPENLABS_CORPUS_DIR";
  }

  for (const fs::path& file : files) {
    Result<ParsedNotebook> parsed = ParseMarimoFile(ReadFile(file));
    ASSERT_TRUE(parsed) << file << ": " << parsed.error().message;
    EXPECT_GT(parsed->notebook.cells.size(), 0u) << file;
    EXPECT_TRUE(parsed->warnings.empty()) << file << ": " << parsed->warnings.front();
    const std::string exported = ExportMarimoFile(parsed->notebook);
    Result<ParsedNotebook> again = ParseMarimoFile(exported);
    ASSERT_TRUE(again) << file << ": " << again.error().message;
    ExpectSameCells(parsed->notebook, again->notebook, file.filename().string());
  }
}

// marimo wrote the corpus files, so their signatures and return lines are marimo's: the
// export must write the same lines, blank lines aside.
TEST(MarimoFile, CorpusExportMatchesMarimoWriter) {
  const std::vector<fs::path> files = CorpusNotebooks();
  if (files.empty()) {
    GTEST_SKIP() << "no notebooks in " << CorpusDir() << "; set OPENLABS_CORPUS_DIR";
  }

  for (const fs::path& file : files) {
    const std::string original = ReadFile(file);
    Result<ParsedNotebook> parsed = ParseMarimoFile(original);
    ASSERT_TRUE(parsed) << file;
    const std::vector<std::string> expected = NonBlankLines(original);
    const std::vector<std::string> actual = NonBlankLines(ExportMarimoFile(parsed->notebook));
    for (size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
      if (expected[i] != actual[i]) {
        ADD_FAILURE() << file.filename() << " non-blank line " << i + 1 << ": expected\n  "
                      << expected[i] << "\nexported\n  " << actual[i];
        break;
      }
    }
    EXPECT_EQ(expected.size(), actual.size()) << file.filename();
  }
}

// The cells as the kernel's Python reader sees them: one JSON line per file, read by one
// Python process.
std::vector<std::string> KernelCells(const std::vector<fs::path>& files) {
  const std::string script =
      "import json, sys\n"
      "sys.path.insert(0, sys.argv[1])\n"
      "from openlabs_kernel import notebook_file\n"
      "for path in sys.argv[2:]:\n"
      "    nb = notebook_file.parse_notebook(open(path).read())\n"
      "    print(json.dumps([[c.kind, c.name, c.code, c.options] for c in nb.cells]))\n";
  const fs::path script_path = fs::temp_directory_path() / ("kernel-cells-" + NewUuid() + ".py");
  std::ofstream(script_path) << script;
  std::string command = "/usr/bin/python3 -I " + script_path.string() + " '" +
                        std::string(OPENLABS_TEST_KERNEL_DIR) + "'";
  for (const fs::path& file : files) {
    command += " '" + file.string() + "'";
  }

  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r"); pipe != nullptr) {
    char buffer[4096];
    size_t read = 0;
    while ((read = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, read);
    }
    pclose(pipe);
  }
  fs::remove(script_path);
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// The kernel that runs sessions reads the export exactly as it reads the original file.
TEST(MarimoFile, KernelReadsExportLikeOriginal) {
  const std::vector<fs::path> files = CorpusNotebooks();
  if (files.empty()) {
    GTEST_SKIP() << "no notebooks in " << CorpusDir() << "; set OPENLABS_CORPUS_DIR";
  }

  if (!fs::exists("/usr/bin/python3")) {
    GTEST_SKIP() << "/usr/bin/python3 is missing";
  }

  const fs::path export_dir = fs::temp_directory_path() / ("export-" + NewUuid());
  fs::create_directories(export_dir);
  std::vector<fs::path> exported;
  for (const fs::path& file : files) {
    Result<ParsedNotebook> parsed = ParseMarimoFile(ReadFile(file));
    ASSERT_TRUE(parsed) << file;
    exported.push_back(export_dir / file.filename());
    std::ofstream(exported.back(), std::ios::binary) << ExportMarimoFile(parsed->notebook);
  }

  const std::vector<std::string> original_cells = KernelCells(files);
  const std::vector<std::string> exported_cells = KernelCells(exported);
  fs::remove_all(export_dir);
  ASSERT_EQ(original_cells.size(), files.size());
  ASSERT_EQ(exported_cells.size(), files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(original_cells[i], exported_cells[i]) << files[i].filename();
  }
}

// Damaged copies of the corpus files: each is rejected with an error or parsed, and whatever
// parses survives its own export unchanged.
TEST(MarimoFile, DamagedFilesNeverCrash) {
  const std::vector<fs::path> files = CorpusNotebooks();
  if (files.empty()) {
    GTEST_SKIP() << "no notebooks in " << CorpusDir() << "; set OPENLABS_CORPUS_DIR";
  }
  std::mt19937 random(20261204);
  constexpr std::string_view kNoise = "()[]{}'\"\\\n\t @:=#,fr_x.";
  int parsed_count = 0;
  for (const fs::path& file : files) {
    const std::string original = ReadFile(file);
    for (int round = 0; round < 60; ++round) {
      std::string damaged = original;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !damaged.empty(); ++e) {
        const size_t at = random() % damaged.size();
        const size_t length = std::min<size_t>(1 + random() % 40, damaged.size() - at);
        switch (random() % 3) {
          case 0:
            damaged.erase(at, length);
            break;
          case 1:
            damaged.insert(at, damaged.substr(at, length));
            break;
          default:
            damaged.insert(at, 1, kNoise[random() % kNoise.size()]);
        }
      }
      Result<ParsedNotebook> parsed = ParseMarimoFile(damaged);
      if (!parsed) {
        EXPECT_FALSE(parsed.error().message.empty());
        continue;
      }
      ++parsed_count;
      if (parsed->notebook.generated_with.empty()) {
        parsed->notebook.generated_with = "0.0.0";  // what the export writes when it is unknown
      }
      Result<ParsedNotebook> again = ParseMarimoFile(ExportMarimoFile(parsed->notebook));
      ASSERT_TRUE(again) << file.filename() << " round " << round << ": " << again.error().message;
      ExpectSameCells(
          parsed->notebook, again->notebook,
          file.filename().string() + " round " + std::to_string(round) + "\n" + damaged);
    }
  }
  EXPECT_GT(parsed_count, 0);
}

TEST(MarimoFile, ParsesKindsNamesAndOptions) {
  const std::string source =
      "# header comment\n\nimport marimo\n\n__generated_with = \"0.19.7\"\n"
      "app = marimo.App(width=\"medium\")\n\nwith app.setup(hide_code=True):\n    import "
      "random\n\n\n"
      "@app.cell(hide_code=True, column=2)\ndef named(x):\n    y = x + 1\n    return (y,)\n\n\n"
      "@app.function\ndef roll():\n    return random.randint(1, 6)\n\n\n"
      "@app.cell\nasync def _():\n    await thing()\n    return\n\n\n"
      "@app.cell\ndef _(): return\n\n\n"
      "app._unparsable_cell(\n    r\"\"\"\n    x = (\n    \"\"\",\n    name=\"broken\"\n)\n\n\n"
      "stray = 1\n\n"
      "if __name__ == \"__main__\":\n    app.run()\n";
  Result<ParsedNotebook> parsed = ParseMarimoFile(source);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const MarimoNotebook& notebook = parsed->notebook;
  EXPECT_EQ(notebook.header, "# header comment");
  EXPECT_EQ(notebook.generated_with, "0.19.7");
  EXPECT_EQ(notebook.app_arguments, "width=\"medium\"");
  ASSERT_EQ(notebook.cells.size(), 6u);
  EXPECT_EQ(notebook.cells[0].kind, "setup");
  EXPECT_EQ(notebook.cells[0].code, "import random");
  EXPECT_EQ(notebook.cells[0].options, nlohmann::json({{"hide_code", true}}));
  EXPECT_EQ(notebook.cells[1].name, "named");
  EXPECT_EQ(notebook.cells[1].code, "y = x + 1");
  EXPECT_EQ(notebook.cells[1].options, nlohmann::json({{"column", 2}, {"hide_code", true}}));
  EXPECT_EQ(notebook.cells[2].kind, "function");
  EXPECT_EQ(notebook.cells[2].code, "def roll():\n    return random.randint(1, 6)");
  EXPECT_EQ(notebook.cells[3].code, "await thing()");
  EXPECT_EQ(notebook.cells[4].code, "");
  EXPECT_EQ(notebook.cells[5].kind, "unparsable");
  EXPECT_EQ(notebook.cells[5].name, "broken");
  EXPECT_EQ(notebook.cells[5].code, "x = (");
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_NE(parsed->warnings[0].find("stray = 1"), std::string::npos);

  const std::string exported = ExportMarimoFile(notebook);
  EXPECT_NE(exported.find("@app.cell(column=2, hide_code=True)\ndef named(x):\n    y = x + 1\n"
                          "    return\n"),
            std::string::npos)
      << exported;
  EXPECT_NE(exported.find("async def _(thing):\n    await thing()\n"), std::string::npos)
      << exported;
  Result<ParsedNotebook> again = ParseMarimoFile(exported);
  ASSERT_TRUE(again) << again.error().message;
  ExpectSameCells(notebook, again->notebook, "hand-written");
}

TEST(MarimoFile, ExportComputesSignaturesAndReturns) {
  MarimoNotebook notebook;
  notebook.cells.push_back({"cell", "_", "import marimo as mo", {}});
  notebook.cells.push_back({"cell", "_", "slider = mo.ui.slider(1, 10)\nslider", {}});
  notebook.cells.push_back({"cell", "_", "mo.md(f\"Value: {slider.value}\")", {}});
  const std::string exported = ExportMarimoFile(notebook);
  EXPECT_NE(exported.find("def _():\n    import marimo as mo\n    return (mo,)"), std::string::npos)
      << exported;
  EXPECT_NE(exported.find("def _(mo):\n    slider = mo.ui.slider(1, 10)\n    slider\n"
                          "    return (slider,)"),
            std::string::npos)
      << exported;
  EXPECT_NE(
      exported.find("def _(mo, slider):\n    mo.md(f\"Value: {slider.value}\")\n    return\n"),
      std::string::npos)
      << exported;
}

TEST(MarimoFile, UntokenizableCellIsWrittenUnparsable) {
  MarimoNotebook notebook;
  notebook.cells.push_back({"cell", "half", "x = (1,\ny = \"\"\"", {}});
  const std::string exported = ExportMarimoFile(notebook);
  EXPECT_NE(exported.find("app._unparsable_cell("), std::string::npos) << exported;
  Result<ParsedNotebook> again = ParseMarimoFile(exported);
  ASSERT_TRUE(again) << again.error().message;
  ASSERT_EQ(again->notebook.cells.size(), 1u);
  EXPECT_EQ(again->notebook.cells[0].kind, "unparsable");
  EXPECT_EQ(again->notebook.cells[0].name, "half");
  EXPECT_EQ(again->notebook.cells[0].code, "x = (1,\ny = \"\"\"");
}

TEST(MarimoFile, RejectsFilesThatAreNotNotebooks) {
  Result<ParsedNotebook> plain = ParseMarimoFile("print('hello')\n");
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("marimo.App"), std::string::npos);
  Result<ParsedNotebook> broken = ParseMarimoFile("import marimo\napp = marimo.App(\n");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("not valid Python"), std::string::npos);
  Result<ParsedNotebook> option = ParseMarimoFile(
      "import marimo\napp = marimo.App()\n@app.cell(hide_code=flag)\ndef _():\n    return\n");
  ASSERT_FALSE(option);
  EXPECT_NE(option.error().message.find("hide_code"), std::string::npos);
  Result<ParsedNotebook> nameless =
      ParseMarimoFile("import marimo\napp = marimo.App()\n@app.cell\ndef\n    return\n");
  ASSERT_FALSE(nameless);
  EXPECT_NE(nameless.error().message.find("no valid name"), std::string::npos);
  Result<ParsedNotebook> trailing = ParseMarimoFile("import marimo\napp = marimo.App() + 1\n");
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message.find("statement of its own"), std::string::npos);
}

TEST(MarimoFile, MalformedCellIsReadUnparsable) {
  Result<ParsedNotebook> parsed = ParseMarimoFile(
      "import marimo\n__generated_with = \"0.19.7\"\napp = marimo.App()\n\n@app.cell\n"
      "def _():\n # comment\n    x = 1\n"
      "    return\n");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->notebook.cells.size(), 1u);
  EXPECT_EQ(parsed->notebook.cells[0].kind, "unparsable");
  EXPECT_EQ(parsed->notebook.cells[0].code, "# comment\n   x = 1");
  ASSERT_EQ(parsed->warnings.size(), 1u);
  Result<ParsedNotebook> again = ParseMarimoFile(ExportMarimoFile(parsed->notebook));
  ASSERT_TRUE(again) << again.error().message;
  ExpectSameCells(parsed->notebook, again->notebook, "malformed");
}

TEST(MarimoFile, MarkdownCells) {
  EXPECT_EQ(MarkdownOfCell("mo.md(r\"\"\"\n    # Title\n\n    Some *text*.\n    \"\"\")"),
            "# Title\n\nSome *text*.");
  EXPECT_EQ(MarkdownOfCell("mo.md(\"plain\")"), "plain");
  EXPECT_EQ(MarkdownOfCell("mo.md(f\"{x}\")"), std::nullopt);
  EXPECT_EQ(MarkdownOfCell("x = 1"), std::nullopt);
  for (const std::string text : {"# Title\n\n$x^2$ and \\alpha", "has \"\"\" quotes",
                                 "ends with backslash \\", "both \"\"\" and '''"}) {
    EXPECT_EQ(MarkdownOfCell(MarkdownCellCode(text)), text) << MarkdownCellCode(text);
  }
}

}  // namespace
}  // namespace openlabs::notebooks
