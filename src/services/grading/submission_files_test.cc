#include "services/grading/submission_files.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "services/grading/grading_test_support.h"
#include "services/grading/test_archive.h"

namespace openlabs::grading {
namespace {

namespace fs = std::filesystem;

class SubmissionFilesTest : public ::testing::Test {
 protected:
  SubmissionFilesTest() : blobs_(storage::MakeLocalBlobStore((root_.path() / "blobs").string())) {
    fs::create_directories(target());
  }

  // Stores `content` as a file of the submission.
  void Add(const std::string& filename, const std::string& content) {
    const std::string key = "submissions/" + std::to_string(submission_.files.size());
    ASSERT_TRUE(blobs_->Put(key, content));
    submission_.files.push_back(
        {.filename = filename, .blob_key = key, .size = static_cast<int64_t>(content.size())});
  }

  // Writes the submission into target(); the rejection reason, or "" when it was accepted.
  std::string Write() {
    Result<std::optional<std::string>> rejected =
        WriteSubmissionFiles(*blobs_, submission_, target());
    EXPECT_TRUE(rejected) << rejected.error().message;
    return rejected && *rejected ? **rejected : "";
  }

  fs::path target() const { return root_.path() / "submission"; }

  TempFolder root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  SubmissionSnapshot submission_{.id = 7};
};

TEST_F(SubmissionFilesTest, UnpacksZipBesideIt) {
  const std::string zip = MakeTestArchive({{.name = "project/main.c", .content = "int main;"},
                                           {.name = "project/include/util.h", .content = "u"}});
  Add("project.zip", zip);
  Add("notes.txt", "notes");

  EXPECT_EQ(Write(), "");
  EXPECT_EQ(ReadTestFile(target() / "main.c"), "int main;");
  EXPECT_EQ(ReadTestFile(target() / "include/util.h"), "u");
  EXPECT_EQ(ReadTestFile(target() / "notes.txt"), "notes");
  EXPECT_EQ(ReadTestFile(target() / "project.zip"), zip);
  // The scratch folder of the unpacking is gone.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(root_.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 2) << "only blobs/ and submission/ remain";
}

TEST_F(SubmissionFilesTest, DetectsZipByContent) {
  Add("upload.bin", MakeTestArchive({{.name = "solution.py", .content = "print(1)"}}));
  Add("fake.zip", "plain text named like a zip file");

  EXPECT_EQ(Write(), "");
  EXPECT_EQ(ReadTestFile(target() / "solution.py"), "print(1)");
  EXPECT_EQ(ReadTestFile(target() / "fake.zip"), "plain text named like a zip file");
}

TEST_F(SubmissionFilesTest, LeavesJavaArchivePacked) {
  // The JDK's jar tool marks its archives, and libmagic types them as application/java-archive.
  if (std::system("command -v jar >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "the JDK's jar tool is not installed (scripts/install-deps.sh installs it)";
  }
  root_.Write("classes/Lib.class", "not really bytecode");
  const fs::path jar = root_.path() / "lib.jar";
  const std::string command = "jar --create --file '" + jar.string() + "' -C '" +
                              (root_.path() / "classes").string() + "' .";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  Add("lib.jar", ReadTestFile(jar));

  EXPECT_EQ(Write(), "");
  EXPECT_TRUE(fs::exists(target() / "lib.jar"));
  EXPECT_FALSE(fs::exists(target() / "META-INF"));
  EXPECT_FALSE(fs::exists(target() / "Lib.class"));
}

TEST_F(SubmissionFilesTest, RejectsTraversalWithReason) {
  Add("bad.zip", MakeTestArchive(
                     {{.name = "ok.c", .content = "x"}, {.name = "../../evil.c", .content = "x"}}));

  EXPECT_EQ(Write(),
            "The zip file bad.zip was not unpacked: its entry ../../evil.c has an absolute path "
            "or a '..' segment.");
  EXPECT_FALSE(fs::exists(root_.path() / "evil.c"));
  EXPECT_FALSE(fs::exists(root_.path().parent_path() / "evil.c"));
  EXPECT_FALSE(fs::exists(target() / "ok.c"));
}

TEST_F(SubmissionFilesTest, RejectsSymbolicLinkWithReason) {
  Add("links.zip", MakeTestArchive({{.name = "key", .type = AE_IFLNK, .link = "/etc/shadow"}}));

  EXPECT_EQ(Write(),
            "The zip file links.zip was not unpacked: its entry key is a link or a special file; "
            "only files and folders are taken.");
  EXPECT_FALSE(fs::exists(fs::symlink_status(target() / "key")));
}

TEST_F(SubmissionFilesTest, RejectsZipBomb) {
  Add("bomb.zip", MakeTestArchive({{.name = "zeros", .content = std::string(16 << 20, '\0')}}));

  EXPECT_EQ(Write(),
            "The zip file bomb.zip was not unpacked: it unpacks to more than 100 times its own "
            "size, so it is taken for a zip bomb.");
  EXPECT_FALSE(fs::exists(target() / "zeros"));
}

TEST_F(SubmissionFilesTest, RejectsTooManyEntries) {
  std::vector<TestArchiveEntry> entries;
  for (int i = 0; i <= kSubmissionZipLimits.max_entries; ++i) {
    entries.push_back({.name = "f" + std::to_string(i), .content = "x"});
  }
  Add("many.zip", MakeTestArchive(entries));

  EXPECT_EQ(Write(), "The zip file many.zip was not unpacked: it has more than 2000 entries.");
}

TEST_F(SubmissionFilesTest, RejectsTooLargeTotal) {
  // Random-looking bytes barely compress, so only the total size limit applies.
  std::string noise(22 << 20, '\0');
  uint32_t state = 12345;
  for (char& byte : noise) {
    state = state * 1103515245 + 12345;
    byte = static_cast<char>(state >> 24);
  }
  Add("large.zip", MakeTestArchive({{.name = "a", .content = noise},
                                    {.name = "b", .content = noise},
                                    {.name = "c", .content = noise}}));

  EXPECT_EQ(Write(), "The zip file large.zip was not unpacked: it unpacks to more than 64 MiB.");
}

TEST_F(SubmissionFilesTest, RejectsNameTakenBySubmittedFile) {
  Add("main.c", "int main() { return 0; }");
  Add("project.zip", MakeTestArchive({{.name = "main.c", .content = "other"}}));

  EXPECT_EQ(Write(),
            "The zip file project.zip was not unpacked: it contains main.c, which a submitted "
            "file or another zip file already uses.");
  EXPECT_EQ(ReadTestFile(target() / "main.c"), "int main() { return 0; }");
}

TEST_F(SubmissionFilesTest, KeepsEveryFileOfCollidingNames) {
  Add("median c", "first");
  Add("median_c", "second");
  Add(".hidden", "third");

  EXPECT_EQ(Write(), "");
  EXPECT_EQ(ReadTestFile(target() / "median_c"), "first");
  EXPECT_EQ(ReadTestFile(target() / "median_c-2"), "second");
  EXPECT_EQ(ReadTestFile(target() / "file.hidden"), "third");
}

SubmissionSnapshot WithFiles(const std::vector<std::string>& filenames) {
  SubmissionSnapshot submission{.id = 7};
  for (const std::string& filename : filenames) {
    submission.files.push_back({.filename = filename, .blob_key = "submissions/x", .size = 1});
  }
  return submission;
}

TEST(SubmissionFileNames, DistinctNamesStayAsTheyAre) {
  EXPECT_EQ(SubmissionFileNames(WithFiles({"median.c", "median.h", "notes.txt"})),
            (std::vector<std::string>{"median.c", "median.h", "notes.txt"}));
}

TEST(SubmissionFileNames, NamesEqualOnceSafeGetNumbered) {
  EXPECT_EQ(SubmissionFileNames(WithFiles({"a b.c", "a_b.c", "a?b.c", "Makefile", "Makefile"})),
            (std::vector<std::string>{"a_b.c", "a_b-2.c", "a_b-3.c", "Makefile", "Makefile-2"}));
  // A later file that is really called "a_b-2.c" does not replace the renamed one either.
  EXPECT_EQ(SubmissionFileNames(WithFiles({"a b.c", "a_b.c", "a_b-2.c"})),
            (std::vector<std::string>{"a_b.c", "a_b-2.c", "a_b-2-2.c"}));
}

}  // namespace
}  // namespace openlabs::grading
