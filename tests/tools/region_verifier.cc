// RegionVerifier: reads a region in 1 MiB chunks and checks it holds a prefix 1..S of one run.
#include "tests/tools/region_verifier.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "tests/tools/writer_block.h"

namespace bb::tools {

int64_t Verify(const Options& o, bool quiet) {
  int fd = OpenDirect(o.path, O_RDONLY);
  if (fd < 0) return -1;
  if (!CheckRegion(fd, o)) {
    close(fd);
    return -1;
  }
  const uint64_t nblocks = o.length / o.block;
  const uint64_t per_read = std::max<uint64_t>(1, (1ULL << 20) / o.block);
  AlignedBuffer buf = Allocate(per_read * o.block);
  std::optional<uint64_t> run_id;
  uint64_t prefix = 0;
  bool hole_seen = false;
  int64_t result = -1;
  for (uint64_t i = 0; i < nblocks;) {
    const uint64_t count = std::min(per_read, nblocks - i);
    const uint64_t off = o.offset + i * o.block;
    ssize_t n = pread(fd, buf.get(), count * o.block, static_cast<off_t>(off));
    if (n != static_cast<ssize_t>(count * o.block)) {
      std::fprintf(stderr, "pread at %llu: %s\n", static_cast<unsigned long long>(off),
                   n < 0 ? std::strerror(errno) : "short read");
      close(fd);
      return -1;
    }
    for (uint64_t j = 0; j < count; ++j, ++i) {
      const unsigned char* b = buf.get() + j * o.block;
      const uint64_t boff = o.offset + i * o.block;
      if (AllZero(b, o.block)) {
        hole_seen = true;
        continue;
      }
      std::string why = CheckBlock(b, o.block, i + 1, boff, run_id);
      if (why.empty() && hole_seen) {
        why = "written block after a never-written one (not a prefix)";
      }
      if (!why.empty()) {
        std::fprintf(stderr, "verify: block %llu at offset %llu: %s\n",
                     static_cast<unsigned long long>(i), static_cast<unsigned long long>(boff),
                     why.c_str());
        close(fd);
        return -1;
      }
      prefix = i + 1;
    }
  }
  close(fd);
  result = static_cast<int64_t>(prefix);
  if (!quiet) {
    std::fprintf(stderr, "verify: consistent: blocks 1..%llu written, %llu never written\n",
                 static_cast<unsigned long long>(prefix),
                 static_cast<unsigned long long>(nblocks - prefix));
    std::printf("%llu\n", static_cast<unsigned long long>(prefix));
  }
  return result;
}

}  // namespace bb::tools
