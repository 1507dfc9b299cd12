// Memory settings for Java graders. The sandbox limits address space (RLIMIT_AS), but the JVM
// reserves far more address space than it commits. So a Java run gets JVM flags that keep its
// memory within memory_mb, and an address-space limit raised by what the JVM only reserves.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace openlabs::grading {

// The smallest memory_mb or build_memory_mb a Java grader may set: 64 MiB outside the heap
// (metaspace, code cache, thread stacks) and a 32 MiB heap.
constexpr int kMinJavaMemoryMb = 96;

// The limits of one Java run.
struct JvmLimits {
  // RLIMIT_AS of each process in the sandbox.
  uint64_t address_space_bytes = 0;
  // Environment variables of the run: JAVA_TOOL_OPTIONS, which both `java` and `javac` read,
  // and MALLOC_ARENA_MAX, because each glibc malloc arena reserves 64 MiB.
  std::vector<std::pair<std::string, std::string>> env;
};

// Computes the limits for a run allowed `memory_mb` (at least kMinJavaMemoryMb) of memory.
JvmLimits JvmLimitsFor(int memory_mb);

}  // namespace openlabs::grading
