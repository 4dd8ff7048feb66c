// VolumeReader: reads a source volume (regular file or block device, opened O_RDONLY) one chunk
// range at a time with large preads, and flags all-zero chunks so they are recorded instead of
// stored. On regular files, holes (SEEK_DATA/SEEK_HOLE) are reported as zero chunks without being
// read at all, which makes backing up a mostly-empty sparse volume cheap. Or it reads through a
// BlockDevice handle (a connector's: an iSCSI session has no path), skipping ranges the handle
// knows to be zero (BlockDevice::KnownZero).
// Thread-safety: Read() may be called concurrently (pread has no shared offset); counters are
// atomic. The job uses one reader thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"
#include "backup_service/datapath/chunker.h"
#include "volume_drivers/connectors/block_device.h"

namespace bb {

struct VolumeChunk {
  ChunkRange range;
  bool zero = false;  // all bytes zero; `data` is then empty
  std::string data;   // range.length bytes unless zero
};

// True when every byte of `data` is zero (vectorised memcmp, no per-byte loop).
bool IsAllZero(std::string_view data);

class VolumeReader {
 public:
  // Opens `path` read-only. `size` is the number of bytes the job will read; the source must be
  // at least that long (checked for regular files here, for devices when a read comes up short).
  static Result<std::unique_ptr<VolumeReader>> Open(const std::string& path, int64_t size);
  // Reads through `device` (not owned; must outlive the reader), which must be at least `size`
  // bytes; chunk ranges must be multiples of its block size.
  static Result<std::unique_ptr<VolumeReader>> Open(BlockDevice& device, int64_t size);
  ~VolumeReader();
  VolumeReader(const VolumeReader&) = delete;
  VolumeReader& operator=(const VolumeReader&) = delete;

  Result<VolumeChunk> Read(const ChunkRange& range);

  // Bytes actually read from the source (holes skipped via SEEK_DATA are not counted).
  int64_t bytes_read() const { return bytes_read_.load(); }

 private:
  VolumeReader(int fd, std::string path, int64_t size, bool regular, BlockDevice* device = nullptr)
      : fd_(fd), path_(std::move(path)), size_(size), regular_(regular), device_(device) {}
  // True when [offset, offset+length) lies entirely in a hole of a regular file.
  bool IsHole(int64_t offset, int64_t length) const;

  int fd_;
  std::string path_;
  int64_t size_;
  bool regular_;
  BlockDevice* device_;  // when set, fd_ is -1 and reads go through it
  std::atomic<int64_t> bytes_read_{0};
};

}  // namespace bb
