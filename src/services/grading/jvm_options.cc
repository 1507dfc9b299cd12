#include "services/grading/jvm_options.h"

#include <algorithm>

namespace openlabs::grading {
namespace {

// Memory outside the heap that the flags below cap: metaspace 32 MiB, code cache 16 MiB, and
// 16 MiB for thread stacks and malloc.
constexpr int kNonHeapMb = 64;

// Address space that the JVM reserves without committing it: the mapped lib/modules image
// (about 123 MiB), the first 64 MiB metaspace node, the CDS archive, the class space, libjvm and
// the other libraries. VmPeak minus -Xmx was 285 MiB with the flags below and
// MALLOC_ARENA_MAX=2 on OpenJDK 17.0.15 (Debian 12) for 96 <= memory_mb <= 1024, and a program
// with 32 threads still fit in the margin.
// NOTE: another JDK build may reserve more. A JVM that cannot reserve its space fails at start.
constexpr int kReservedOnlyMb = 384;

}  // namespace

JvmLimits JvmLimitsFor(int memory_mb) {
  const int heap_mb = std::max(memory_mb - kNonHeapMb, kMinJavaMemoryMb - kNonHeapMb);
  JvmLimits limits;
  limits.address_space_bytes = static_cast<uint64_t>(heap_mb + kNonHeapMb + kReservedOnlyMb) << 20;
  // Serial GC and C1 only start no GC or C2 threads and keep the code cache small.
  limits.env.emplace_back("JAVA_TOOL_OPTIONS",
                          "-Xmx" + std::to_string(heap_mb) +
                              "m -XX:MaxMetaspaceSize=32m -XX:CompressedClassSpaceSize=16m "
                              "-XX:ReservedCodeCacheSize=16m -XX:+UseSerialGC "
                              "-XX:TieredStopAtLevel=1");
  limits.env.emplace_back("MALLOC_ARENA_MAX", "2");
  return limits;
}

}  // namespace openlabs::grading
