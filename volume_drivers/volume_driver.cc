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

Result<std::string> VolumeDriver::CreateVolumeFromSnapshot(const VolumeRef& /*dst*/,
                                                           const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "CreateVolumeFromSnapshot",
                      "capability can_create_from_snapshot is false");
}

Result<std::string> VolumeDriver::CreateSnapshot(const SnapshotRef& /*snapshot*/,
                                                 const VolumeRef& /*volume*/) {
  return NotSupported(*this, "CreateSnapshot", "capability can_snapshot is false");
}

Status VolumeDriver::DeleteSnapshot(const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "DeleteSnapshot", "capability can_snapshot is false");
}

Result<ExtentReport> VolumeDriver::ChangedExtents(const SnapshotRef& /*base*/,
                                                  const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "ChangedExtents", "capability reports_changed_extents is false");
}

Result<ExtentReport> VolumeDriver::AllocatedExtents(const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "AllocatedExtents", "capability reports_allocated_extents is false");
}

Result<std::string> VolumeDriver::VolumeLocalPath(const VolumeRef& /*volume*/) {
  return NotSupported(*this, "VolumeLocalPath", "capability volume_readable_locally is false");
}

Result<std::string> VolumeDriver::SnapshotLocalPath(const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "SnapshotLocalPath", "capability snapshot_readable_locally is false");
}

Result<ExportUpdate> VolumeDriver::CreateExport(const VolumeRef& /*volume*/,
                                                const ConnectorProperties& /*connector*/) {
  return NotSupported(*this, "CreateExport", "capability volume_attachable is false");
}

Result<ExportUpdate> VolumeDriver::RemoveExport(const VolumeRef& /*volume*/) {
  return NotSupported(*this, "RemoveExport", "capability volume_attachable is false");
}

Result<ExportUpdate> VolumeDriver::CreateSnapshotExport(const SnapshotRef& /*snapshot*/,
                                                        const ConnectorProperties& /*connector*/) {
  return NotSupported(*this, "CreateSnapshotExport", "capability snapshot_attachable is false");
}

Result<ExportUpdate> VolumeDriver::RemoveSnapshotExport(const SnapshotRef& /*snapshot*/) {
  return NotSupported(*this, "RemoveSnapshotExport", "capability snapshot_attachable is false");
}

Result<ConnectionInfo> VolumeDriver::InitializeSnapshotConnection(
    const SnapshotRef& /*snapshot*/, const ConnectorProperties& /*connector*/) {
  return NotSupported(*this, "InitializeSnapshotConnection",
                      "capability snapshot_attachable is false");
}

Status VolumeDriver::TerminateSnapshotConnection(const SnapshotRef& /*snapshot*/,
                                                 const ConnectorProperties& /*connector*/) {
  return NotSupported(*this, "TerminateSnapshotConnection",
                      "capability snapshot_attachable is false");
}

}  // namespace bb
