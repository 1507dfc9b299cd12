#pragma once

#include <string>

#include "common/config.h"

namespace openlabs::app {

// Runs `openlabs import labs DIR` on `config`'s storage. The author is found by username; the
// default "importer" is created without a password when it does not exist yet. Every Markdown
// file under `dir` is imported with the files it references, with one line per file and a
// summary on standard output. Returns the process exit code: 0 when every file was imported
// or skipped, 1 when a file was rejected or importing failed, 2 for an unusable author.
int RunLabImport(const Config& config, const std::string& dir, const std::string& author);

}  // namespace openlabs::app
