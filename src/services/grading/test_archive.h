// Archive fixtures for tests of graders and submitted zip files, written with libarchive.
#pragma once

#include <archive_entry.h>

#include <string>
#include <vector>

namespace openlabs::grading {

struct TestArchiveEntry {
  std::string name;
  std::string content;     // of a regular file
  mode_t type = AE_IFREG;  // or AE_IFDIR, AE_IFLNK, AE_IFCHR
  std::string link;        // target of a symbolic link (AE_IFLNK) or of a hard link
};

enum class TestArchiveFormat { kZip, kTar };

// The bytes of an archive with `entries` in order, deflated for zip. Names are stored as given,
// so an entry may carry "../" or an absolute path.
std::string MakeTestArchive(const std::vector<TestArchiveEntry>& entries,
                            TestArchiveFormat format = TestArchiveFormat::kZip);

}  // namespace openlabs::grading
