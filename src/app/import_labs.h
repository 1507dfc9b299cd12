#pragma once

#include <string>

#include "common/config.h"

namespace openlabs::app {

// Runs `openlabs import labs DIR`: starts the platform on `config`'s storage, finds the author
// by username (creating the user "importer", without a password, when that default does not
// exist yet), imports every Markdown file under `dir` with the files it references, and prints
// one line per file and a summary. Returns the process exit code: 0 when every file was imported
// or skipped, 1 when a file was rejected or importing failed, 2 for an unusable author.
int RunLabImport(const Config& config, const std::string& dir, const std::string& author);

}  // namespace openlabs::app
