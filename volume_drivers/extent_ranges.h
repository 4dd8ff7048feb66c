// Byte-range arithmetic for changed-extent reports (VolumeDriver::ChangedExtents): drivers build
// their answer with it, and the manager and the data path bound and align it. Every function
// keeps the contract's superset property: the output covers every byte the input covers.
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <vector>

#include "volume_drivers/volume_driver.h"

namespace bb {

// Sorted, overlapping and adjacent ranges merged, empty ones dropped, clipped to [0, size).
std::vector<ByteRange> NormalizeRanges(std::vector<ByteRange> ranges, int64_t size);

// Each range widened outward to multiples of `grid` (clipped to `size`), then normalized: the
// chunks of a fixed grid that hold a changed byte.
std::vector<ByteRange> AlignRanges(const std::vector<ByteRange>& ranges, int64_t grid,
                                   int64_t size);

// At most `max_count` ranges: the grid is doubled (starting at `grid`) until the aligned ranges
// fit. Used to bound an answer sent over the wire; costs only extra reading.
std::vector<ByteRange> CoarsenRanges(const std::vector<ByteRange>& ranges, int64_t grid,
                                     int64_t size, size_t max_count);

// Sum of the lengths.
int64_t TotalBytes(const std::vector<ByteRange>& ranges);

}  // namespace bb
