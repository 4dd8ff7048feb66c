// Zeroing and copying of block devices; see lvm_block_io.h.
#include "volume_drivers/lvm/lvm_block_io.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace bb::lvm {
namespace {

// Closes the descriptor on every path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Status ZeroRange(const std::string& device, int64_t offset, int64_t length) {
  if (length <= 0) return Status::Ok();
  Fd f{::open(device.c_str(), O_WRONLY | O_CLOEXEC)};
  if (f.fd < 0) return ErrnoStatus("open " + device, errno);
  uint64_t range[2] = {static_cast<uint64_t>(offset), static_cast<uint64_t>(length)};
  if (::ioctl(f.fd, BLKZEROOUT, range) != 0) {
    return ErrnoStatus("BLKZEROOUT " + device, errno);
  }
  if (::fsync(f.fd) != 0) return ErrnoStatus("fsync " + device, errno);
  return Status::Ok();
}

Status CopyRange(const std::string& src, const std::string& dst, int64_t length) {
  Fd in{::open(src.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) return ErrnoStatus("open " + src, errno);
  Fd out{::open(dst.c_str(), O_WRONLY | O_CLOEXEC)};
  if (out.fd < 0) return ErrnoStatus("open " + dst, errno);
  std::vector<char> buf(1 << 20);
  for (int64_t done = 0; done < length;) {
    size_t want = static_cast<size_t>(std::min<int64_t>(buf.size(), length - done));
    ssize_t n = ::pread(in.fd, buf.data(), want, done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read " + src, errno);
    if (n == 0) return Status::DataLoss(src + " ended at " + std::to_string(done) + " bytes");
    for (ssize_t w = 0; w < n;) {
      ssize_t m = ::pwrite(out.fd, buf.data() + w, n - w, done + w);
      if (m < 0 && errno == EINTR) continue;
      if (m < 0) return ErrnoStatus("write " + dst, errno);
      w += m;
    }
    done += n;
  }
  if (::fsync(out.fd) != 0) return ErrnoStatus("fsync " + dst, errno);
  return Status::Ok();
}

}  // namespace bb::lvm
