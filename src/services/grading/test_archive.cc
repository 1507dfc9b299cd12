#include "services/grading/test_archive.h"

#include <archive.h>

#include <memory>
#include <stdexcept>

namespace openlabs::grading {
namespace {

struct WriterCloser {
  void operator()(archive* handle) const { archive_write_free(handle); }
};

struct EntryCloser {
  void operator()(archive_entry* handle) const { archive_entry_free(handle); }
};

// Throws with libarchive's message, which fails the test that built the fixture.
void Check(archive* writer, int status) {
  if (status < ARCHIVE_WARN) {
    throw std::runtime_error(std::string("writing a test archive failed: ") +
                             archive_error_string(writer));
  }
}

}  // namespace

std::string MakeTestArchive(const std::vector<TestArchiveEntry>& entries,
                            TestArchiveFormat format) {
  size_t capacity = 64 * 1024;
  for (const TestArchiveEntry& entry : entries) {
    capacity += entry.content.size() + entry.name.size() + 1024;
  }
  std::string bytes(capacity, '\0');
  size_t used = 0;

  std::unique_ptr<archive, WriterCloser> writer(archive_write_new());
  if (format == TestArchiveFormat::kZip) {
    Check(writer.get(), archive_write_set_format_zip(writer.get()));
  } else {
    Check(writer.get(), archive_write_set_format_pax_restricted(writer.get()));
  }
  Check(writer.get(), archive_write_open_memory(writer.get(), bytes.data(), bytes.size(), &used));
  for (const TestArchiveEntry& entry : entries) {
    std::unique_ptr<archive_entry, EntryCloser> header(archive_entry_new());
    archive_entry_set_pathname(header.get(), entry.name.c_str());
    archive_entry_set_filetype(header.get(), entry.type);
    archive_entry_set_perm(header.get(), 0644);
    if (entry.type == AE_IFLNK) {
      archive_entry_set_symlink(header.get(), entry.link.c_str());
    } else if (!entry.link.empty()) {
      archive_entry_set_hardlink(header.get(), entry.link.c_str());
    }
    if (entry.type == AE_IFREG && entry.link.empty()) {
      archive_entry_set_size(header.get(), static_cast<la_int64_t>(entry.content.size()));
    }
    Check(writer.get(), archive_write_header(writer.get(), header.get()));
    if (!entry.content.empty() &&
        archive_write_data(writer.get(), entry.content.data(), entry.content.size()) < 0) {
      Check(writer.get(), ARCHIVE_FATAL);
    }
  }
  Check(writer.get(), archive_write_close(writer.get()));
  bytes.resize(used);
  return bytes;
}

}  // namespace openlabs::grading
