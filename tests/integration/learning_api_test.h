#pragma once

#include <cstdint>
#include <string>

#include "api_test.h"
#include "form_data.h"

namespace openlabs::integration {

// An ApiTest with the steps of the learning loop: labs, submissions, reviews and balances.
class LearningApiTest : public ApiTest {
 protected:
  // Creates a lab titled "Lab" as `author` and returns its id; 0 (with a test failure) on error.
  int64_t CreateLab(const TestUser& author);

  // Submits Markdown text, with `file` as answer.txt unless it is empty.
  HttpResponse Submit(const TestUser& learner, int64_t lab_id, const std::string& file = "");

  // Reviews with verdict accept and score 80, with `attachment` as review.txt unless it is empty.
  HttpResponse Review(HttpClient& http, const TestUser& reviewer, int64_t submission_id,
                      const std::string& attachment = "");

  // The user's points balance from GET /api/v1/users/me; -1 when it cannot be read.
  int64_t Balance(const TestUser& user);
};

}  // namespace openlabs::integration
