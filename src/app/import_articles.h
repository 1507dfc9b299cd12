#pragma once

#include <string>

#include "common/config.h"

namespace openlabs::app {

// Runs `openlabs import articles DIR`: starts the platform on `config`'s storage, finds the
// uploader by username (creating the user "importer" when that default does not exist yet),
// imports every PDF of `dir` and prints progress and a summary. Returns the process exit code:
// 0 when every file was imported or skipped, 1 when a file was rejected or importing failed,
// 2 for a missing uploader.
int RunArticleImport(const Config& config, const std::string& dir, const std::string& uploader);

}  // namespace openlabs::app
