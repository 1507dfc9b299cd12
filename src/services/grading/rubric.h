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

// The system message (the rubric and the output format) and the user message (the submission
// as one JSON document, so that its text stays quoted material and cannot pose as
// instructions). Binary files, and files whose text does not fit in `max_file_chars` bytes in
// total, are listed by name only.
std::vector<ModelTurn> BuildRubricPrompt(const v1::Rubric& rubric, const std::string& text,
                                         const std::vector<RubricFile>& files,
                                         size_t max_file_chars);

// Checks the model's output against the rubric: one JSON object with a score and a
// justification for each criterion, every score a whole number in the scale. The error message
// names what is wrong, for the draft's error field.
Result<RubricDraft> ParseRubricDraft(const std::string& output, const v1::Rubric& rubric);

}  // namespace openlabs::grading
