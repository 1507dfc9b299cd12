// Rubrics for machine-written review drafts: validation of the author's rubric, the chat
// messages that ask a language model for a draft, and validation of the model's output.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "openlabs/v1/grading.pb.h"

namespace openlabs::grading {

// One message of a chat completion request.
struct ModelTurn {
  std::string role;  // "system" or "user"
  std::string content;
};

// A language model reached through the platform: `complete` sends a chat completion that requests
// for one JSON object and returns the message's content. Unset `complete`: no model.
struct RubricModel {
  std::string name;
  std::function<Result<std::string>(const std::vector<ModelTurn>&)> complete;

  bool configured() const { return static_cast<bool>(complete); }
};

// The lab's own text, which states the task that the submission solves.
struct LabText {
  std::string title;
  std::string description;
  std::string body;  // Markdown
};

// A file of the submission as the model reads it.
struct RubricFile {
  std::string name;
  std::string content;
};

struct RubricDraft {
  std::vector<v1::RubricScore> scores;  // in the rubric's order
  std::string summary;
};

// The rubric that `request` sets, with the defaults filled in. kValidationFailed names each
// invalid field.
Result<v1::Rubric> ValidateRubric(const v1::PutRubricRequest& request);

// Size limits of the material in the user message, in bytes.
struct RubricPromptLimits {
  size_t max_file_bytes = 48'000;  // the submission's files together
  size_t max_lab_bytes = 24'000;   // the lab's title, description and body together
};

// The system message (the rubric and the output format) and the user message (the lab and the
// submission as one JSON document, so that their text stays quoted material and cannot pose as
// instructions). Binary files, and files whose text does not fit in `max_file_bytes` in total,
// are listed by name only. The lab's text is cut at `max_lab_bytes`, the body first, and the
// document marks the cut with "truncated": true.
std::vector<ModelTurn> BuildRubricPrompt(const v1::Rubric& rubric, const LabText& lab,
                                         const std::string& text,
                                         const std::vector<RubricFile>& files,
                                         const RubricPromptLimits& limits);

// Checks the model's output against the rubric: one JSON object with a score and a
// justification for each criterion, every score a whole number in the scale. The error message
// names what is wrong, for the draft's error field.
Result<RubricDraft> ParseRubricDraft(const std::string& output, const v1::Rubric& rubric);

}  // namespace openlabs::grading
