// AllocatedRangesDevice: a BlockDevice that also knows, from the volume driver's
// AllocatedExtents report, which ranges of the device hold data. Outside those ranges KnownZero
// is true, so the backup's reader skips them without reading (a thin LV read through its local
// path or an iSCSI export has no SEEK_DATA of its own). Everything else goes to the wrapped
// device unchanged; inside the ranges the wrapped device's own KnownZero still applies.
// Thread-safety: as the wrapped device (the ranges are immutable).
#pragma once

#include <memory>
#include <vector>

#include "volume_drivers/connectors/block_device.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

class AllocatedRangesDevice : public BlockDevice {
 public:
  // `allocated`: sorted, non-overlapping (as AllocatedExtents reports them).
  AllocatedRangesDevice(std::unique_ptr<BlockDevice> device, std::vector<ByteRange> allocated);

  int64_t Size() const override { return device_->Size(); }
  int64_t BlockSize() const override { return device_->BlockSize(); }
  Status ReadAt(int64_t offset, std::span<char> out) override;
  Status WriteAt(int64_t offset, std::span<const char> data) override;
  Status Flush() override { return device_->Flush(); }
  Status Close() override { return device_->Close(); }
  std::string Describe() const override { return device_->Describe(); }
  bool KnownZero(int64_t offset, int64_t length) const override;

 private:
  std::unique_ptr<BlockDevice> device_;
  const std::vector<ByteRange> allocated_;
};

}  // namespace bb
