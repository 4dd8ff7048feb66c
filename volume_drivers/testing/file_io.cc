// Positional I/O helpers for tests; see file_io.h.
#include "volume_drivers/testing/file_io.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace bb::testing {

Status WriteAt(const std::string& path, int64_t off, const std::string& data) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  ssize_t n = pwrite(fd, data.data(), data.size(), off);
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(data.size())) return ErrnoStatus("pwrite " + path, err);
  return Status::Ok();
}

Result<std::string> ReadAt(const std::string& path, int64_t off, size_t len) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  std::string buf(len, '\0');
  ssize_t n = pread(fd, buf.data(), len, off);
  int err = errno;
  close(fd);
  if (n < 0) return ErrnoStatus("pread " + path, err);
  buf.resize(static_cast<size_t>(n));
  return buf;
}

Result<int64_t> SizeOf(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st {};
  uint64_t bytes = 0;
  int rc = fstat(fd, &st);
  if (rc == 0 && S_ISBLK(st.st_mode)) rc = ioctl(fd, BLKGETSIZE64, &bytes);
  int err = errno;
  close(fd);
  if (rc != 0) return ErrnoStatus("size of " + path, err);
  return S_ISBLK(st.st_mode) ? static_cast<int64_t>(bytes) : static_cast<int64_t>(st.st_size);
}

}  // namespace bb::testing
