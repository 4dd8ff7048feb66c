// BlockDevice helpers and FileBlockDevice (pread/pwrite/fsync on a path); see block_device.h.
#include "volume_drivers/connectors/block_device.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "backup_service/common/log.h"

namespace bb {

bool BlockDevice::KnownZero(int64_t /*offset*/, int64_t /*length*/) const { return false; }

void BlockDevice::Prefetch(int64_t /*offset*/, int64_t /*length*/) {}

Status CheckBlockRange(const BlockDevice& device, int64_t offset, int64_t length) {
  const int64_t bs = device.BlockSize();
  if (offset < 0 || length < 0 || offset % bs != 0 || length % bs != 0) {
    return Status::InvalidArgument("I/O on " + device.Describe() + " at " + std::to_string(offset) +
                                   " of " + std::to_string(length) +
                                   " bytes is not a multiple of its block size " +
                                   std::to_string(bs));
  }
  if (offset > device.Size() || length > device.Size() - offset) {
    return Status(StatusCode::kOutOfRange,
                  "I/O on " + device.Describe() + " at " + std::to_string(offset) + " of " +
                      std::to_string(length) + " bytes ends past its size " +
                      std::to_string(device.Size()));
  }
  return Status::Ok();
}

Result<std::unique_ptr<BlockDevice>> FileBlockDevice::Open(const std::string& path,
                                                           AccessMode mode) {
  int flags = (mode == AccessMode::kReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  int fd = ::open(path.c_str(), flags);  // never O_CREAT: volumes are made by their driver
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(what + " " + path, err);
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail("fstat");
  int64_t size = 0;
  int64_t block_size = 1;
  bool regular = S_ISREG(st.st_mode);
  if (regular) {
    size = st.st_size;
  } else if (S_ISBLK(st.st_mode)) {
    uint64_t bytes = 0;
    int sector = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) return fail("BLKGETSIZE64");
    if (::ioctl(fd, BLKSSZGET, &sector) != 0) return fail("BLKSSZGET");
    size = static_cast<int64_t>(bytes);
    block_size = sector > 0 ? sector : 512;
  } else {
    ::close(fd);
    return Status::InvalidArgument(path + " is neither a regular file nor a block device");
  }
  return std::unique_ptr<BlockDevice>(
      new FileBlockDevice(fd, path, mode, regular, size, block_size));
}

FileBlockDevice::FileBlockDevice(int fd, std::string path, AccessMode mode, bool regular,
                                 int64_t size, int64_t block_size)
    : fd_(fd),
      path_(std::move(path)),
      mode_(mode),
      regular_(regular),
      size_(size),
      block_size_(block_size) {}

FileBlockDevice::~FileBlockDevice() {
  Status s = Close();
  if (!s.ok()) BB_LOG(kWarning) << "closing " << path_ << ": " << s.ToString();
}

Status FileBlockDevice::ReadAt(int64_t offset, std::span<char> out) {
  if (fd_ < 0) return Status::FailedPrecondition(path_ + " is closed");
  RETURN_IF_ERROR(CheckBlockRange(*this, offset, static_cast<int64_t>(out.size())));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd_, out.data() + done, out.size() - done, offset + static_cast<int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read " + path_ + " at " + std::to_string(offset + done), errno);
    }
    if (n == 0) {
      return Status::FailedPrecondition(path_ + " ends at " + std::to_string(offset + done) +
                                        ", before its size when opened " + std::to_string(size_));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status FileBlockDevice::WriteAt(int64_t offset, std::span<const char> data) {
  if (fd_ < 0) return Status::FailedPrecondition(path_ + " is closed");
  if (mode_ == AccessMode::kReadOnly) {
    return Status::FailedPrecondition(path_ + " was opened read-only");
  }
  RETURN_IF_ERROR(CheckBlockRange(*this, offset, static_cast<int64_t>(data.size())));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        ::pwrite(fd_, data.data() + done, data.size() - done, offset + static_cast<int64_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path_ + " at " + std::to_string(offset + done), errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status FileBlockDevice::Flush() {
  if (fd_ < 0) return Status::FailedPrecondition(path_ + " is closed");
  if (::fsync(fd_) != 0) return ErrnoStatus("fsync " + path_, errno);
  return Status::Ok();
}

Status FileBlockDevice::Close() {
  if (fd_ < 0) return Status::Ok();
  Status s = mode_ == AccessMode::kReadWrite ? Flush() : Status::Ok();
  if (::close(fd_) != 0 && s.ok()) s = ErrnoStatus("close " + path_, errno);
  fd_ = -1;
  return s;
}

bool FileBlockDevice::KnownZero(int64_t offset, int64_t length) const {
  if (!regular_ || fd_ < 0) return false;
  off_t data = ::lseek(fd_, offset, SEEK_DATA);
  if (data < 0) return errno == ENXIO;  // no data at or after offset: the rest is a hole
  return data >= offset + length;
}

void FileBlockDevice::Prefetch(int64_t offset, int64_t length) {
  if (fd_ < 0 || offset < 0 || length <= 0) return;
  // A hint only: a failure (an fd that does not support it) costs nothing but the read-ahead.
  (void)::posix_fadvise(fd_, offset, length, POSIX_FADV_WILLNEED);
}

}  // namespace bb
