// The `openlabs similarity` command, kept here so that main() only wires it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace openlabs::grading {

class SimilarityCommand {
 public:
  // Adds `similarity DIR [--threshold X] [--include-same-learner] [--format text|json]`.
  explicit SimilarityCommand(CLI::App& app);

  bool Selected() const;
  // Prints the similar pairs; returns 0, or 2 when DIR cannot be read.
  int Run() const;

 private:
  CLI::App* command_ = nullptr;
  std::string dir_;
  double threshold_ = 0.5;
  double common_fraction_ = 0.5;
  bool include_same_learner_ = false;
  std::string format_ = "text";
};

}  // namespace openlabs::grading
