// VolumeReader implementation. Thread-safety: see volume_reader.h (pread/lseek(SEEK_DATA) do not
// depend on a shared file offset in a way that matters: SEEK_DATA's returned value is all we use).
#include "backup_service/datapath/volume_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bb {

bool IsAllZero(std::string_view data) {
  if (data.empty()) return true;
  // data[0] == 0 and data[i] == data[i+1] for all i  <=>  all zero; memcmp is SIMD-fast.
  return data[0] == 0 && std::memcmp(data.data(), data.data() + 1, data.size() - 1) == 0;
}

Result<std::unique_ptr<VolumeReader>> VolumeReader::Open(const std::string& path, int64_t size) {
  if (size < 0) return Status::InvalidArgument("negative volume size");
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("fstat " + path, err);
  }
  bool regular = S_ISREG(st.st_mode);
  if (regular && st.st_size < size) {
    ::close(fd);
    return Status::FailedPrecondition("source " + path + " is " + std::to_string(st.st_size) +
                                      " bytes, backup size is " + std::to_string(size));
  }
  return std::unique_ptr<VolumeReader>(new VolumeReader(fd, path, size, regular));
}

Result<std::unique_ptr<VolumeReader>> VolumeReader::Open(BlockDevice& device, int64_t size) {
  if (size < 0) return Status::InvalidArgument("negative volume size");
  if (device.Size() < size) {
    return Status::FailedPrecondition("source " + device.Describe() + " is " +
                                      std::to_string(device.Size()) + " bytes, backup size is " +
                                      std::to_string(size));
  }
  return std::unique_ptr<VolumeReader>(
      new VolumeReader(-1, device.Describe(), size, /*regular=*/false, &device));
}

VolumeReader::~VolumeReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool VolumeReader::IsHole(int64_t offset, int64_t length) const {
  if (device_ != nullptr) return device_->KnownZero(offset, length);
  if (!regular_) return false;
  off_t data = ::lseek(fd_, offset, SEEK_DATA);
  if (data < 0) return errno == ENXIO;  // no data at or after offset: the rest is a hole
  return data >= offset + length;
}

Result<VolumeChunk> VolumeReader::Read(const ChunkRange& range) {
  if (range.offset < 0 || range.length < 0 || range.offset + range.length > size_) {
    return Status::InvalidArgument("read range outside the volume");
  }
  VolumeChunk chunk;
  chunk.range = range;
  if (IsHole(range.offset, range.length)) {
    chunk.zero = true;
    return chunk;
  }
  chunk.data.resize(static_cast<size_t>(range.length));
  if (device_ != nullptr) {
    RETURN_IF_ERROR(device_->ReadAt(range.offset, std::span<char>(chunk.data)));
    bytes_read_ += range.length;
    if (IsAllZero(chunk.data)) {
      chunk.zero = true;
      chunk.data = std::string();
    }
    return chunk;
  }
  int64_t done = 0;
  while (done < range.length) {
    ssize_t n = ::pread(fd_, chunk.data.data() + done, static_cast<size_t>(range.length - done),
                        range.offset + done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read " + path_ + " at " + std::to_string(range.offset + done), errno);
    }
    if (n == 0) {
      return Status::FailedPrecondition("source " + path_ + " ends at " +
                                        std::to_string(range.offset + done) +
                                        ", before the backup size " + std::to_string(size_));
    }
    done += n;
  }
  bytes_read_ += done;
  if (IsAllZero(chunk.data)) {
    chunk.zero = true;
    chunk.data = std::string();  // release the buffer: zero chunks travel as metadata only
  }
  return chunk;
}

}  // namespace bb
