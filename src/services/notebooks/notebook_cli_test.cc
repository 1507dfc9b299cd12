#include "services/notebooks/notebook_cli.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace openlabs::notebooks {
namespace {

// Parses `openlabs notebook run NOTEBOOK ARGUMENTS` and returns CLI11's error message, or an
// empty string when the command line is valid.
std::string ParseError(const std::string& arguments) {
  const std::filesystem::path notebook =
      std::filesystem::temp_directory_path() / ("cli-test-" + std::to_string(getpid()) + ".py");
  std::ofstream(notebook) << "import marimo\napp = marimo.App()\n";
  CLI::App app("openlabs");
  NotebookCommand command(app);
  std::string message;
  try {
    app.parse("notebook run " + notebook.string() + " " + arguments, false);
  } catch (const CLI::ValidationError& error) {
    message = error.what();
  }
  std::filesystem::remove(notebook);
  return message;
}

TEST(NotebookCommand, RejectsLimitsOutsideServerRanges) {
  EXPECT_NE(ParseError("--cell-cpu-seconds -1").find("must be between 1 and 3600 seconds, got -1"),
            std::string::npos);
  EXPECT_NE(ParseError("--cell-cpu-seconds 3601").find("between 1 and 3600"), std::string::npos);
  EXPECT_NE(ParseError("--cell-wall-seconds -5").find("must be between 1 and 7200 seconds, got -5"),
            std::string::npos);
  EXPECT_NE(ParseError("--timeout 0").find("must be between 1 and 86400 seconds, got 0"),
            std::string::npos);
  EXPECT_NE(ParseError("--timeout abc").find("got abc"), std::string::npos);
  EXPECT_NE(ParseError("--cell-cpu-seconds nan").find("got nan"), std::string::npos);
}

TEST(NotebookCommand, AcceptsLimitsInsideRanges) {
  EXPECT_EQ(ParseError("--cell-cpu-seconds 1 --cell-wall-seconds 7200 --timeout 900"), "");
  EXPECT_EQ(ParseError("--cell-cpu-seconds 2.5"), "");
}

}  // namespace
}  // namespace openlabs::notebooks
