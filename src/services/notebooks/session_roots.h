#pragma once

#include <filesystem>

namespace openlabs::notebooks {

// Records the running server's pid in `session_root`, so that a later server can tell that the
// folder outlived its owner.
void ClaimSessionRoot(const std::filesystem::path& session_root);

// Deletes the record of ClaimSessionRoot, then `session_root` when it is empty, so that a server
// stopped cleanly leaves nothing behind.
void ReleaseSessionRoot(const std::filesystem::path& session_root);

// Deletes the folders next to `session_root` whose names differ from it only after the last '-'
// (the per-data-directory suffix) and that belong to no running server. Those are folders whose
// recorded pid is not alive, and empty folders without a record, which older servers left.
// Returns how many it deleted. Errors are skipped, because cleaning is best effort.
int RemoveStaleSessionRoots(const std::filesystem::path& session_root);

}  // namespace openlabs::notebooks
