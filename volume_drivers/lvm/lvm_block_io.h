// Block-device I/O the thick LVM driver needs: zeroing (a thick LV's extents are reused unwiped,
// so new and grown space is zeroed before a volume is handed out) and copying one LV into another
// (thick clones and volumes from snapshots). O_DIRECT-free, fsync'd before returning.
// Thread-safety: reentrant (each call opens its own descriptors).
#pragma once

#include <cstdint>
#include <string>

#include "backup_service/common/result.h"

namespace bb::lvm {

// Zeroes [offset, offset+length) of the block device (BLKZEROOUT, which the kernel turns into
// WRITE ZEROES or discards where the device can, and writes of zeroes otherwise).
Status ZeroRange(const std::string& device, int64_t offset, int64_t length);
// Copies the first `length` bytes of `src` to `dst` (1 MiB at a time), then fsyncs dst.
Status CopyRange(const std::string& src, const std::string& dst, int64_t length);

}  // namespace bb::lvm
