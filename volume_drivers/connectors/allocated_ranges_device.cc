// AllocatedRangesDevice; see allocated_ranges_device.h.
#include "volume_drivers/connectors/allocated_ranges_device.h"

#include <algorithm>

namespace bb {

AllocatedRangesDevice::AllocatedRangesDevice(std::unique_ptr<BlockDevice> device,
                                             std::vector<ByteRange> allocated)
    : device_(std::move(device)), allocated_(std::move(allocated)) {}

Status AllocatedRangesDevice::ReadAt(int64_t offset, std::span<char> out) {
  return device_->ReadAt(offset, out);
}

Status AllocatedRangesDevice::WriteAt(int64_t offset, std::span<const char> data) {
  return device_->WriteAt(offset, data);
}

bool AllocatedRangesDevice::KnownZero(int64_t offset, int64_t length) const {
  if (length <= 0) return true;
  const int64_t end = offset + length;
  // The first range ending after `offset`: the only one that can start before `end` and
  // overlap, since the ranges are sorted and disjoint.
  auto it =
      std::upper_bound(allocated_.begin(), allocated_.end(), offset,
                       [](int64_t at, const ByteRange& r) { return at < r.offset + r.length; });
  if (it == allocated_.end() || it->offset >= end) return true;
  return device_->KnownZero(offset, length);
}

}  // namespace bb
