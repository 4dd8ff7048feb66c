// Region: aligned buffers, O_DIRECT open and region bounds check shared by the writer and verifier.
#include "tests/tools/region.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bb::tools {

void FreeDeleter::operator()(unsigned char* p) const { std::free(p); }

AlignedBuffer Allocate(size_t size) {
  void* p = nullptr;
  if (posix_memalign(&p, 4096, size) != 0) {
    std::fprintf(stderr, "out of memory\n");
    std::exit(1);
  }
  std::memset(p, 0, size);
  return AlignedBuffer(static_cast<unsigned char*>(p));
}

int OpenDirect(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_DIRECT | O_CLOEXEC);
  if (fd < 0 && errno == EINVAL) {
    std::fprintf(stderr, "%s: O_DIRECT not supported, using buffered I/O\n", path.c_str());
    fd = open(path.c_str(), flags | O_CLOEXEC);
  }
  if (fd < 0) std::fprintf(stderr, "open %s: %s\n", path.c_str(), std::strerror(errno));
  return fd;
}

bool CheckRegion(int fd, const Options& o) {
  if (o.block < 512 || o.block % 512 != 0) {
    std::fprintf(stderr, "--block must be a multiple of 512\n");
    return false;
  }
  if (o.length == 0 || o.offset % o.block != 0 || o.length % o.block != 0) {
    std::fprintf(stderr, "--offset and --length must be multiples of --block, length > 0\n");
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size) != 0) {
    std::fprintf(stderr, "BLKGETSIZE64: %s\n", std::strerror(errno));
    return false;
  }
  if (o.offset + o.length > size) {
    std::fprintf(stderr, "region [%llu, %llu) is beyond the end (%llu bytes)\n",
                 static_cast<unsigned long long>(o.offset),
                 static_cast<unsigned long long>(o.offset + o.length),
                 static_cast<unsigned long long>(size));
    return false;
  }
  return true;
}

}  // namespace bb::tools
