#include "services/notebooks/sandboxed_syntax_checker.h"

#include <gtest/gtest.h>

namespace openlabs::notebooks {
namespace {

TEST(SandboxedSyntaxChecker, FindsErrorsThatTokenize) {
  std::unique_ptr<CellSyntaxChecker> checker = MakeSandboxedSyntaxChecker(OPENLABS_TEST_KERNEL_DIR);
  Result<std::vector<std::optional<std::string>>> errors =
      checker->Check({"x = 1", "x = = 1", "await compute()", "print(f\"{x!}\")"});
  ASSERT_TRUE(errors) << errors.error().message << " " << errors.error().internal;
  ASSERT_EQ(errors->size(), 4u);
  EXPECT_FALSE((*errors)[0]);
  ASSERT_TRUE((*errors)[1]);
  EXPECT_NE((*errors)[1]->find("invalid syntax"), std::string::npos) << *(*errors)[1];
  EXPECT_FALSE((*errors)[2]) << "top-level await is valid in a cell";
  EXPECT_TRUE((*errors)[3]);
}

TEST(SandboxedSyntaxChecker, DoesNotRunCode) {
  std::unique_ptr<CellSyntaxChecker> checker = MakeSandboxedSyntaxChecker(OPENLABS_TEST_KERNEL_DIR);
  Result<std::vector<std::optional<std::string>>> errors =
      checker->Check({"import os\nos._exit(3)", "while True:\n    pass"});
  ASSERT_TRUE(errors) << errors.error().message << " " << errors.error().internal;
  ASSERT_EQ(errors->size(), 2u);
  EXPECT_FALSE((*errors)[0]);
  EXPECT_FALSE((*errors)[1]);
}

TEST(SandboxedSyntaxChecker, EmptyListNeedsNoProcess) {
  std::unique_ptr<CellSyntaxChecker> checker = MakeSandboxedSyntaxChecker("/nonexistent");
  Result<std::vector<std::optional<std::string>>> errors = checker->Check({});
  ASSERT_TRUE(errors);
  EXPECT_TRUE(errors->empty());
}

TEST(SandboxedSyntaxChecker, MissingKernelFails) {
  std::unique_ptr<CellSyntaxChecker> checker = MakeSandboxedSyntaxChecker("/nonexistent");
  EXPECT_FALSE(checker->Check({"x = 1"}));
}

}  // namespace
}  // namespace openlabs::notebooks
