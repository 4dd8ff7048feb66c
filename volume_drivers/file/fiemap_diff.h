// Changed extents between two reflink snapshots of one file-driver volume, from the file system's
// extent maps (ioctl FS_IOC_FIEMAP). A reflink copy shares the physical blocks of its source;
// a later write to the volume is copied-on-write to new blocks, so the next snapshot maps that
// logical range to other physical blocks than the previous snapshot does. Comparing, at every
// logical offset, the physical address (and the unwritten flag) of the two snapshots therefore
// finds every range written in between. While both snapshots exist none of their blocks can be
// freed and reused, so equal addresses mean equal bytes.
// Superset, never a miss: ranges whose mapping FIEMAP cannot vouch for (delayed allocation,
// unknown or encoded extents, inline data) count as changed, as do hole vs data and every byte
// beyond the base's size.
// Thread-safety: pure functions and reads of files that nobody writes (snapshots).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "volume_drivers/volume_driver.h"

namespace bb::fiemap {

struct Extent {
  int64_t logical = 0;
  int64_t physical = 0;
  int64_t length = 0;
  uint32_t flags = 0;  // FIEMAP_EXTENT_* of linux/fiemap.h
};

// The file's extents in logical order (FIEMAP_FLAG_SYNC first, so nothing is left delayed).
// NotFound when the file does not exist; FailedPrecondition when the file system has no FIEMAP.
Result<std::vector<Extent>> ReadExtents(const std::string& path);

// The ranges of [0, new_size) where `next` may differ from `base` (sorted, merged).
std::vector<ByteRange> DiffExtents(const std::vector<Extent>& base, int64_t base_size,
                                   const std::vector<Extent>& next, int64_t new_size);

// ReadExtents of both files and DiffExtents, with the files' sizes.
Result<std::vector<ByteRange>> ChangedRanges(const std::string& base_path,
                                             const std::string& new_path);

}  // namespace bb::fiemap
