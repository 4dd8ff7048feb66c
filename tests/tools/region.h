// Region: the byte range [offset, offset+length) of a device or file that odirect_writer writes
// and verifies, in blocks of a fixed size; plus the I/O helpers both sides share (4096-aligned
// buffers, O_DIRECT open with a buffered fallback, region bounds check).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace bb::tools {

struct Options {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t block = 4096;
  uint64_t interval_us = 0;
  uint64_t max_blocks = 0;  // 0: no limit
};

struct FreeDeleter {
  void operator()(unsigned char* p) const;
};
using AlignedBuffer = std::unique_ptr<unsigned char[], FreeDeleter>;

// A zeroed buffer aligned for O_DIRECT; exits the process when out of memory.
AlignedBuffer Allocate(size_t size);

// Opens with O_DIRECT; falls back to buffered I/O (+ O_SYNC) where the file system refuses it.
// Returns -1 (after printing why) on failure.
int OpenDirect(const std::string& path, int flags);

// Whether o's block size and region are valid and the region fits in fd; prints why not.
bool CheckRegion(int fd, const Options& o);

}  // namespace bb::tools
