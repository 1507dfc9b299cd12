#include "services/notebooks/session_roots.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

namespace openlabs::notebooks {
namespace {

// The file in a session root with the pid of the server that owns it.
constexpr const char* kOwnerFile = ".owner-pid";

bool ProcessAlive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace

void ClaimSessionRoot(const std::filesystem::path& session_root) {
  std::ofstream(session_root / kOwnerFile, std::ios::trunc) << getpid() << "\n";
}

void ReleaseSessionRoot(const std::filesystem::path& session_root) {
  std::error_code ignored;
  std::filesystem::remove(session_root / kOwnerFile, ignored);
  std::filesystem::remove(session_root, ignored);
}

int RemoveStaleSessionRoots(const std::filesystem::path& session_root) {
  const std::string name = session_root.filename().string();
  const size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0) {
    return 0;
  }
  const std::string prefix = name.substr(0, dash + 1);

  int removed = 0;
  std::error_code error;
  std::filesystem::directory_iterator entry(session_root.parent_path(), error);
  for (; !error && entry != std::filesystem::directory_iterator(); entry.increment(error)) {
    const std::filesystem::path path = entry->path();
    const std::string entry_name = path.filename().string();
    std::error_code ignored;
    if (!entry_name.starts_with(prefix) || entry_name == name || entry->is_symlink(ignored) ||
        !entry->is_directory(ignored)) {
      continue;
    }
    std::ifstream owner(path / kOwnerFile);
    pid_t pid = 0;
    if (owner >> pid) {
      if (!ProcessAlive(pid) && std::filesystem::remove_all(path, ignored) > 0) {
        ++removed;
      }
      continue;
    }
    // Without a record the owner is unknown, so only an empty folder is deleted.
    if (std::filesystem::remove(path, ignored)) {
      ++removed;
    }
  }
  return removed;
}

}  // namespace openlabs::notebooks
