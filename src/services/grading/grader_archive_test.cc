#include "services/grading/grader_archive.h"

#include <gtest/gtest.h>

#include "services/grading/grading_test_support.h"
#include "services/grading/test_archive.h"

namespace openlabs::grading {
namespace {

namespace fs = std::filesystem;

// The single problem of a rejected archive as "FIELD: MESSAGE".
std::string Problem(const Status& status) {
  if (status) {
    return "";
  }
  if (status.error().details.size() != 1) {
    return "unexpected: " + status.error().message;
  }
  return status.error().details[0].field + ": " + status.error().details[0].message;
}

class ExtractArchiveTest : public ::testing::Test {
 protected:
  // Extracts into the folder "out" of a fresh temporary folder, so that files written outside
  // it by a traversal would land in the temporary folder and be found.
  Status Extract(const std::string& archive, const ArchiveLimits& limits = {}) {
    fs::create_directories(target());
    return ExtractArchive(archive, target(), limits);
  }
  fs::path target() const { return root_.path() / "out"; }

  TempFolder root_;
};

TEST_F(ExtractArchiveTest, WritesFilesAndFolders) {
  const Status extracted =
      Extract(MakeTestArchive({{.name = "src/", .type = AE_IFDIR},
                               {.name = "src/main.c", .content = "int main() {}\n"},
                               {.name = "README", .content = "read me"}}));
  ASSERT_TRUE(extracted) << extracted.error().message;
  EXPECT_EQ(ReadTestFile(target() / "src/main.c"), "int main() {}\n");
  EXPECT_EQ(ReadTestFile(target() / "README"), "read me");
}

TEST_F(ExtractArchiveTest, StripsSingleTopFolder) {
  ASSERT_TRUE(Extract(MakeTestArchive({{.name = "project/main.c", .content = "m"},
                                       {.name = "project/lib/util.c", .content = "u"}})));
  EXPECT_EQ(ReadTestFile(target() / "main.c"), "m");
  EXPECT_EQ(ReadTestFile(target() / "lib/util.c"), "u");
  EXPECT_FALSE(fs::exists(target() / "project"));
}

TEST_F(ExtractArchiveTest, SkipsMacResourceForks) {
  ASSERT_TRUE(Extract(MakeTestArchive({{.name = "project/main.c", .content = "m"},
                                       {.name = "__MACOSX/project/._main.c", .content = "fork"}})));
  EXPECT_EQ(ReadTestFile(target() / "main.c"), "m");
  EXPECT_FALSE(fs::exists(target() / "__MACOSX"));
}

TEST_F(ExtractArchiveTest, RejectsParentSegment) {
  const Status extracted = Extract(MakeTestArchive({{.name = "../evil.c", .content = "x"}}));
  EXPECT_EQ(Problem(extracted), "archive:../evil.c: has an absolute path or a '..' segment");
  EXPECT_EQ(extracted.error().code, ErrorCode::kValidationFailed);
  EXPECT_FALSE(fs::exists(root_.path() / "evil.c"));
}

TEST_F(ExtractArchiveTest, RejectsAbsolutePath) {
  const fs::path outside = root_.path() / "absolute.c";
  const Status extracted = Extract(MakeTestArchive({{.name = outside.string(), .content = "x"}}));
  EXPECT_EQ(Problem(extracted),
            "archive:" + outside.string() + ": has an absolute path or a '..' segment");
  EXPECT_FALSE(fs::exists(outside));
}

TEST_F(ExtractArchiveTest, RejectsSymbolicLink) {
  const Status extracted =
      Extract(MakeTestArchive({{.name = "passwd", .type = AE_IFLNK, .link = "/etc/passwd"}}));
  EXPECT_EQ(Problem(extracted),
            "archive:passwd: is a link or a special file; only files and folders are taken");
  EXPECT_FALSE(fs::exists(fs::symlink_status(target() / "passwd")));
}

TEST_F(ExtractArchiveTest, RejectsHardLink) {
  const Status extracted = Extract(MakeTestArchive(
      {{.name = "a.c", .content = "a"}, {.name = "b.c", .link = "a.c"}}, TestArchiveFormat::kTar));
  EXPECT_EQ(Problem(extracted),
            "archive:b.c: is a link or a special file; only files and folders are taken");
}

TEST_F(ExtractArchiveTest, RejectsDeviceFile) {
  const Status extracted =
      Extract(MakeTestArchive({{.name = "null", .type = AE_IFCHR}}, TestArchiveFormat::kTar));
  EXPECT_EQ(Problem(extracted),
            "archive:null: is a link or a special file; only files and folders are taken");
  EXPECT_FALSE(fs::exists(target() / "null"));
}

TEST_F(ExtractArchiveTest, RejectsTooManyEntries) {
  const std::string archive = MakeTestArchive({{.name = "a", .content = "1"},
                                               {.name = "b", .content = "2"},
                                               {.name = "c", .content = "3"},
                                               {.name = "d", .content = "4"}});
  EXPECT_EQ(Problem(Extract(archive, {.max_entries = 3})), "archive: has more than 3 entries");
}

TEST_F(ExtractArchiveTest, RejectsLargeTotal) {
  const std::string archive = MakeTestArchive({{.name = "a", .content = std::string(600, 'a')},
                                               {.name = "b", .content = std::string(600, 'b')}});
  EXPECT_EQ(Problem(Extract(archive, {.max_total_bytes = 1000})),
            "archive: unpacks to more than 1000 bytes");
}

TEST_F(ExtractArchiveTest, RejectsLargeFile) {
  const std::string archive = MakeTestArchive({{.name = "big", .content = std::string(2000, 'x')}});
  EXPECT_EQ(Problem(Extract(archive, {.max_file_bytes = 1000})),
            "archive:big: is larger than 1000 bytes");
}

TEST_F(ExtractArchiveTest, RejectsHighCompressionRatio) {
  // Deflate packs 8 MiB of zeros into a few KiB: a ratio far beyond 100.
  const std::string archive =
      MakeTestArchive({{.name = "zeros", .content = std::string(8 << 20, '\0')}});
  ASSERT_LT(archive.size(), 100u * 1024);
  EXPECT_EQ(Problem(Extract(archive, {.max_ratio = 100})),
            "archive: unpacks to more than 100 times its own size, so it is taken for a zip bomb");
  // The check stops the entry early: what was written stays under 100 times the archive plus
  // one read block.
  EXPECT_LT(fs::file_size(target() / "zeros"), 100 * archive.size() + (1 << 20));
}

TEST_F(ExtractArchiveTest, RatioCheckWaitsForOneMebibyte) {
  const std::string archive =
      MakeTestArchive({{.name = "zeros", .content = std::string(512 << 10, '\0')}});
  EXPECT_TRUE(Extract(archive, {.max_ratio = 100}));
  EXPECT_EQ(fs::file_size(target() / "zeros"), 512u << 10);
}

TEST_F(ExtractArchiveTest, RejectsFileWhereFolderIsNeeded) {
  const Status extracted = Extract(
      MakeTestArchive({{.name = "a", .content = "file"}, {.name = "a/b.c", .content = "x"}}));
  EXPECT_EQ(Problem(extracted),
            "archive:a/b.c: clashes with an earlier entry that is a file where this one needs a "
            "folder, or the other way round");
}

TEST_F(ExtractArchiveTest, RejectsFileOverFolder) {
  const Status extracted =
      Extract(MakeTestArchive({{.name = "a/b.c", .content = "x"}, {.name = "a", .content = "f"}}));
  EXPECT_EQ(Problem(extracted).substr(0, 20), "archive:a: clashes w");
}

TEST_F(ExtractArchiveTest, RejectsBytesThatAreNoArchive) {
  const Status extracted = Extract("just some text, not an archive");
  EXPECT_EQ(extracted.error().code, ErrorCode::kValidationFailed);
  EXPECT_TRUE(Problem(extracted).starts_with("archive: ")) << Problem(extracted);
}

}  // namespace
}  // namespace openlabs::grading
