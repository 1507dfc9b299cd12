// Entry point of the integration tests: initialises libcurl once and stops the shared servers
// after the last test, so that their exit status on SIGTERM is checked.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include "api_test.h"

namespace {

class SharedServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { openlabs::integration::StopSharedServers(); }
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return 1;
  }
  ::testing::AddGlobalTestEnvironment(new SharedServerEnvironment());
  const int result = RUN_ALL_TESTS();
  curl_global_cleanup();
  return result;
}
