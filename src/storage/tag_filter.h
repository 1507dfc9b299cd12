#pragma once

#include <algorithm>

namespace openlabs::storage {

// The rows that finding one page of a list filtered by tags reads when it walks every row in the
// list's order and checks the tags of each: about (offset + limit) * all / matching. SQLite keeps
// no statistics per tag value, so the lists compare this with the cost of their other SQL form
// themselves.
inline long long RowsToWalk(long long matching, long long all, long long offset, long long limit) {
  if (matching <= 0) {
    return all;
  }
  return std::min(all, (offset + limit) * all / matching);
}

}  // namespace openlabs::storage
