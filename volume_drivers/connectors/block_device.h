// BlockDevice: a handle on a connected volume or snapshot, through which the data path reads (a
// backup) and writes (a restore). A Connector opens it (Connector::Open). It is deliberately not a
// path: a libiscsi session (libiscsi_block_device.h) has no /dev node, and every read crosses TCP.
//
// Contract, for every implementation:
// - Offsets and lengths are multiples of BlockSize() and lie within [0, Size()); otherwise
//   InvalidArgument / OutOfRange and nothing is done.
// - ReadAt fills the whole span or fails; WriteAt writes the whole span or fails. A failed call
//   may have transferred part of the range.
// - WriteAt on a handle opened kReadOnly is FailedPrecondition.
// - Flush makes every write acknowledged before it durable in the backing store.
// - Close flushes a writable handle and releases it (closes the file, logs out of the session); it
//   is idempotent, and after it every other call is FailedPrecondition. The destructor closes a
//   handle that was not closed and only logs errors: call Close to see them.
// - A connection that is lost (the target removed, the network gone) fails the call in progress
//   with Unavailable within the handle's I/O timeout, never hangs; later calls fail at once.
// - Describe() names the device for logs (a path, or an iscsi:// URL without credentials).
// Thread-safety: ReadAt, WriteAt and Flush may be called concurrently from several threads
// (a libiscsi handle serialises them on its one session); Close must not race with them.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "backup_service/common/result.h"

namespace bb {

enum class AccessMode { kReadOnly, kReadWrite };

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;
  virtual int64_t Size() const = 0;       // bytes
  virtual int64_t BlockSize() const = 0;  // the unit of offsets and lengths
  virtual Status ReadAt(int64_t offset, std::span<char> out) = 0;
  virtual Status WriteAt(int64_t offset, std::span<const char> data) = 0;
  virtual Status Flush() = 0;
  virtual Status Close() = 0;
  virtual std::string Describe() const = 0;
  // Optional: true when [offset, offset + length) is known to read as zeros without reading it (a
  // hole of a sparse file), so the backup can skip it. False when unknown (the default).
  virtual bool KnownZero(int64_t offset, int64_t length) const;
  // Optional hint: [offset, offset + length) will be read soon, so start fetching it without
  // waiting (a changed-extent incremental announces its scattered reads ahead of the reader, so
  // the device has many in flight). No effect on correctness; the default does nothing.
  virtual void Prefetch(int64_t offset, int64_t length);
};

// Checks a range against the contract above: InvalidArgument when not block-aligned, OutOfRange
// when it does not lie within the device.
Status CheckBlockRange(const BlockDevice& device, int64_t offset, int64_t length);

// A regular file or a block device node (/dev/loopN, /dev/sdX, /dev/disk/by-path/...), read and
// written with pread/pwrite, flushed with fsync. Block size: 1 for regular files, the logical
// sector size (BLKSSZGET) for devices. KnownZero uses SEEK_DATA on regular files; Prefetch is
// posix_fadvise(WILLNEED), which queues the reads into the page cache and returns.
class FileBlockDevice : public BlockDevice {
 public:
  static Result<std::unique_ptr<BlockDevice>> Open(const std::string& path, AccessMode mode);
  ~FileBlockDevice() override;

  int64_t Size() const override { return size_; }
  int64_t BlockSize() const override { return block_size_; }
  Status ReadAt(int64_t offset, std::span<char> out) override;
  Status WriteAt(int64_t offset, std::span<const char> data) override;
  Status Flush() override;
  Status Close() override;
  std::string Describe() const override { return path_; }
  bool KnownZero(int64_t offset, int64_t length) const override;
  void Prefetch(int64_t offset, int64_t length) override;

 private:
  FileBlockDevice(int fd, std::string path, AccessMode mode, bool regular, int64_t size,
                  int64_t block_size);

  int fd_;
  const std::string path_;
  const AccessMode mode_;
  const bool regular_;
  const int64_t size_;
  const int64_t block_size_;
};

}  // namespace bb
