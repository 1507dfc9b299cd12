#include "services/grading/similarity_cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "services/grading/grade_report.h"
#include "services/grading/similarity.h"

namespace openlabs::grading {
namespace {

constexpr uintmax_t kMaxFileBytes = 256 * 1024;

// One submission per DIR/LEARNER/SUBMISSION folder: its files, concatenated.
struct Folder {
  std::string learner;
  std::string submission;
};

std::string ReadFolderCode(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.is_regular_file(error) && entry.file_size(error) <= kMaxFileBytes &&
        entry.path().extension() != ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::string code;
  for (const std::filesystem::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    code += text.str() + "\n";
  }
  return code;
}

}  // namespace

SimilarityCommand::SimilarityCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "similarity",
      "Compare submissions for copied code (winnowing over normalized tokens) and print the "
      "pairs by different learners whose similarity reaches the threshold");
  command_
      ->add_option("dir", dir_,
                   "Folder with one sub-folder per learner, each holding one folder per "
                   "submission with its source files")
      ->required()
      ->check(CLI::ExistingDirectory);
  command_
      ->add_option("--threshold", threshold_, "Lowest similarity printed, 0 to 1 (default: 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  command_
      ->add_option("--common-fraction", common_fraction_,
                   "Ignore code found in more than this fraction of the learners' submissions, "
                   "0 to 1 (default: 0.5; 1 keeps all code)")
      ->check(CLI::Range(0.0, 1.0));
  command_->add_flag("--include-same-learner", include_same_learner_,
                     "Also compare each learner's own submissions with each other");
  command_->add_option("--format", format_, "Output format: text or json (default: text)")
      ->check(CLI::IsMember({"text", "json"}));
}

bool SimilarityCommand::Selected() const { return command_ != nullptr && *command_; }

int SimilarityCommand::Run() const {
  std::vector<SubmissionCode> codes;
  std::vector<Folder> folders;
  std::map<std::string, int64_t> learner_ids;
  std::error_code error;
  std::vector<std::filesystem::path> learners;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    if (entry.is_directory(error)) {
      learners.push_back(entry.path());
    }
  }
  std::sort(learners.begin(), learners.end());
  for (const std::filesystem::path& learner : learners) {
    std::vector<std::filesystem::path> submissions;
    for (const auto& entry : std::filesystem::directory_iterator(learner, error)) {
      if (entry.is_directory(error)) {
        submissions.push_back(entry.path());
      }
    }
    std::sort(submissions.begin(), submissions.end());
    const int64_t learner_id = static_cast<int64_t>(learner_ids.size()) + 1;
    learner_ids[learner.filename().string()] = learner_id;
    for (const std::filesystem::path& submission : submissions) {
      codes.push_back({static_cast<int64_t>(codes.size()), learner_id, ReadFolderCode(submission)});
      folders.push_back({learner.filename().string(), submission.filename().string()});
    }
  }
  if (error) {
    std::cerr << "error: cannot list " << dir_ << ": " << error.message() << "\n";
    return 2;
  }
  PairSearchOptions options;
  options.threshold = threshold_;
  options.common_fraction = common_fraction_;
  options.include_same_learner = include_same_learner_;
  const std::vector<SimilarPair> pairs = FindSimilarPairs(codes, options);

  nlohmann::json items = nlohmann::json::array();
  for (const SimilarPair& pair : pairs) {
    const Folder& a = folders[pair.submission_a];
    const Folder& b = folders[pair.submission_b];
    if (format_ == "text") {
      std::printf("%.3f  %s/%s  %s/%s  (%zu regions)\n", pair.similarity.score, a.learner.c_str(),
                  a.submission.c_str(), b.learner.c_str(), b.submission.c_str(),
                  pair.similarity.regions.size());
      continue;
    }
    items.push_back({{"a", ToValidUtf8(a.learner + "/" + a.submission)},
                     {"b", ToValidUtf8(b.learner + "/" + b.submission)},
                     {"same_learner", a.learner == b.learner},
                     {"score", pair.similarity.score},
                     {"regions", pair.similarity.regions.size()}});
  }
  if (format_ == "json") {
    std::cout << nlohmann::json{{"submissions", codes.size()}, {"pairs", std::move(items)}}.dump()
              << "\n";
  }
  return 0;
}

}  // namespace openlabs::grading
