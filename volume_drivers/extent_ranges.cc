// Byte-range arithmetic for changed-extent reports.
#include "volume_drivers/extent_ranges.h"

#include <algorithm>

namespace bb {

std::vector<ByteRange> NormalizeRanges(std::vector<ByteRange> ranges, int64_t size) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
  std::vector<ByteRange> out;
  for (const ByteRange& r : ranges) {
    const int64_t begin = std::max<int64_t>(0, r.offset);
    const int64_t end = std::min(size, r.offset + r.length);
    if (end <= begin) continue;
    if (!out.empty() && begin <= out.back().offset + out.back().length) {
      out.back().length = std::max(out.back().offset + out.back().length, end) - out.back().offset;
    } else {
      out.push_back({begin, end - begin});
    }
  }
  return out;
}

std::vector<ByteRange> AlignRanges(const std::vector<ByteRange>& ranges, int64_t grid,
                                   int64_t size) {
  std::vector<ByteRange> widened;
  widened.reserve(ranges.size());
  for (const ByteRange& r : ranges) {
    if (r.length <= 0) continue;
    const int64_t begin = r.offset / grid * grid;
    const int64_t end = (r.offset + r.length + grid - 1) / grid * grid;
    widened.push_back({begin, end - begin});
  }
  return NormalizeRanges(std::move(widened), size);
}

std::vector<ByteRange> CoarsenRanges(const std::vector<ByteRange>& ranges, int64_t grid,
                                     int64_t size, size_t max_count) {
  std::vector<ByteRange> out = AlignRanges(ranges, grid, size);
  while (out.size() > std::max<size_t>(1, max_count)) {
    grid *= 2;
    out = AlignRanges(out, grid, size);
  }
  return out;
}

int64_t TotalBytes(const std::vector<ByteRange>& ranges) {
  int64_t total = 0;
  for (const ByteRange& r : ranges) total += r.length;
  return total;
}

}  // namespace bb
