// LvmDriver: connections and iSCSI exports of LVs; see lvm_driver.h. As in the file driver, an
// object whose provider_auth is set is exported (its connection is "iscsi", built from what
// CreateExport returned); otherwise the connection is the LV's device node ("local").
#include "backup_service/common/uuid.h"
#include "volume_drivers/lvm/lvm_driver.h"

namespace bb {

Status LvmDriver::RequireExports() const {
  if (exports_) return Status::Ok();
  return Status::FailedPrecondition(
      "the lvm driver exports nothing: it is configured without a target helper "
      "(target_helper = none; set target_helper = tgt to export over iSCSI)");
}

Result<ConnectionInfo> LvmDriver::InitializeConnection(const VolumeRef& volume,
                                                       const ConnectorProperties& connector) {
  ASSIGN_OR_RETURN(std::string path, VolumeLocalPath(volume));
  if (!volume.provider_auth.empty()) {
    RETURN_IF_ERROR(RequireExports());
    return IscsiConnectionFromModel(volume.provider_location, volume.provider_auth, connector);
  }
  ConnectionInfo info;
  info.driver_volume_type = "local";
  info.data["device_path"] = path;
  return info;
}

Status LvmDriver::TerminateConnection(const VolumeRef& volume,
                                      const ConnectorProperties& /*connector*/) {
  // Nothing is made per connection: the export is RemoveExport's, the session the connector's.
  if (!IsUuid(volume.id)) return Status::InvalidArgument("volume id is not a UUID");
  return Status::Ok();
}

Result<ExportUpdate> LvmDriver::CreateExport(const VolumeRef& volume,
                                             const ConnectorProperties& connector) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string path, VolumeLocalPath(volume));
  return exports_->Export(ExportKind::kVolume, volume.id, path, connector);
}

Result<ExportUpdate> LvmDriver::RemoveExport(const VolumeRef& volume) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string lv, VolumeLv(volume.id));
  ASSIGN_OR_RETURN(ExportUpdate none, exports_->Remove(ExportKind::kVolume, volume.id));
  (void)none;
  return ExportUpdate{DevPath(lv), ""};  // not exported: the handle is the LV path again
}

Result<ExportUpdate> LvmDriver::CreateSnapshotExport(const SnapshotRef& snapshot,
                                                     const ConnectorProperties& connector) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string path, SnapshotLocalPath(snapshot));
  return exports_->Export(ExportKind::kSnapshot, snapshot.id, path, connector);
}

Result<ExportUpdate> LvmDriver::RemoveSnapshotExport(const SnapshotRef& snapshot) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string lv, SnapshotLv(snapshot.id));
  ASSIGN_OR_RETURN(ExportUpdate none, exports_->Remove(ExportKind::kSnapshot, snapshot.id));
  (void)none;
  return ExportUpdate{DevPath(lv), ""};
}

Result<ConnectionInfo> LvmDriver::InitializeSnapshotConnection(
    const SnapshotRef& snapshot, const ConnectorProperties& connector) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string path, SnapshotLocalPath(snapshot));
  (void)path;
  if (snapshot.provider_auth.empty()) {
    return Status::FailedPrecondition("snapshot " + snapshot.id +
                                      " is not exported (CreateSnapshotExport first)");
  }
  return IscsiConnectionFromModel(snapshot.provider_location, snapshot.provider_auth, connector);
}

Status LvmDriver::TerminateSnapshotConnection(const SnapshotRef& snapshot,
                                              const ConnectorProperties& /*connector*/) {
  RETURN_IF_ERROR(RequireExports());
  if (!IsUuid(snapshot.id)) return Status::InvalidArgument("snapshot id is not a UUID");
  return Status::Ok();
}

}  // namespace bb
