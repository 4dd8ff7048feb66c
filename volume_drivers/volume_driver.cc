// Default implementations of VolumeDriver's optional methods: Unimplemented, naming the driver and
// the capability that the manager should have checked before calling.
// Thread-safety: stateless.
#include "volume_drivers/volume_driver.h"

namespace bb {
namespace {

Status NotSupported(const VolumeDriver& driver, const char* method, const char* capability) {
  return Status::Unimplemented("volume driver \"" + driver.Name() + "\" does not implement " +
                               method + " (" + capability + ")");
}

}  // namespace

Status VolumeDriver::ExtendVolume(const VolumeRef& /*volume*/, int64_t /*new_size_bytes*/) {
  return NotSupported(*this, "ExtendVolume", "volumes cannot be resized");
}

Result<std::string> VolumeDriver::CreateClonedVolume(const VolumeRef& /*dst*/,
                                                     const VolumeRef& /*src*/) {
  return NotSupported(*this, "CreateClonedVolume", "capability can_clone is false");
}

Result<std::string> VolumeDriver::CreateSnapshot(const SnapshotRef& /*snapshot*/,
                                                 const VolumeRef& /*volume*/) {
  return NotSupported(*this, "CreateSnapshot", "capability can_snapshot is false");
}

Status VolumeDriver::DeleteSnapshot(const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "DeleteSnapshot", "capability can_snapshot is false");
}

Result<std::string> VolumeDriver::VolumeLocalPath(const VolumeRef& /*volume*/) {
  return NotSupported(*this, "VolumeLocalPath", "capability volume_readable_locally is false");
}

Result<std::string> VolumeDriver::SnapshotLocalPath(const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "SnapshotLocalPath", "capability snapshot_readable_locally is false");
}

}  // namespace bb
