// FileDriver: connections and iSCSI exports of volume and snapshot files; see file_driver.h.
// An object whose provider_auth is set is exported: its connection is "iscsi", built from its
// provider_location/provider_auth (what CreateExport returned and the manager stored). Otherwise
// the connection is the local file ("local_file", attached with a loop device).
#include <sys/stat.h>

#include <cerrno>

#include "backup_service/common/uuid.h"
#include "volume_drivers/file/file_driver.h"

namespace bb {
namespace {

Status MustExist(const std::string& path, const std::string& what) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) return Status::Ok();
  if (errno == ENOENT) return Status::NotFound(what + " not found at " + path);
  return ErrnoStatus("stat " + path, errno);
}

}  // namespace

Status FileDriver::RequireExports() const {
  if (exports_) return Status::Ok();
  return Status::FailedPrecondition(
      "the file driver exports nothing: it is configured without a target helper "
      "(target_helper = none; set target_helper = tgt to export over iSCSI)");
}

Result<ConnectionInfo> FileDriver::InitializeConnection(const VolumeRef& volume,
                                                        const ConnectorProperties& connector) {
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  RETURN_IF_ERROR(MustExist(path, "volume " + volume.id));
  if (!volume.provider_auth.empty()) {
    RETURN_IF_ERROR(RequireExports());
    return IscsiConnectionFromModel(volume.provider_location, volume.provider_auth, connector);
  }
  ConnectionInfo info;
  info.driver_volume_type = "local_file";
  info.data["path"] = path;
  return info;
}

Status FileDriver::TerminateConnection(const VolumeRef& volume,
                                       const ConnectorProperties& /*connector*/) {
  // Nothing is made per connection: the export (if any) is RemoveExport's, and the connector owns
  // the loop device or the iSCSI session.
  if (!IsUuid(volume.id)) return Status::InvalidArgument("volume id is not a UUID");
  return Status::Ok();
}

Result<ExportUpdate> FileDriver::CreateExport(const VolumeRef& volume,
                                              const ConnectorProperties& connector) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  RETURN_IF_ERROR(MustExist(path, "volume " + volume.id));
  return exports_->Export(ExportKind::kVolume, volume.id, path, connector);
}

Result<ExportUpdate> FileDriver::RemoveExport(const VolumeRef& volume) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(ExportUpdate none, exports_->Remove(ExportKind::kVolume, volume.id));
  (void)none;
  // Not exported: the volume's handle is its file again.
  ASSIGN_OR_RETURN(std::string path, VolumePath(volume.id));
  return ExportUpdate{path, ""};
}

Result<ExportUpdate> FileDriver::CreateSnapshotExport(const SnapshotRef& snapshot,
                                                      const ConnectorProperties& connector) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(snapshot.id));
  RETURN_IF_ERROR(MustExist(path, "snapshot " + snapshot.id));
  return exports_->Export(ExportKind::kSnapshot, snapshot.id, path, connector);
}

Result<ExportUpdate> FileDriver::RemoveSnapshotExport(const SnapshotRef& snapshot) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(ExportUpdate none, exports_->Remove(ExportKind::kSnapshot, snapshot.id));
  (void)none;
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(snapshot.id));
  return ExportUpdate{path, ""};
}

Result<ConnectionInfo> FileDriver::InitializeSnapshotConnection(
    const SnapshotRef& snapshot, const ConnectorProperties& connector) {
  RETURN_IF_ERROR(RequireExports());
  ASSIGN_OR_RETURN(std::string path, SnapshotPath(snapshot.id));
  RETURN_IF_ERROR(MustExist(path, "snapshot " + snapshot.id));
  if (snapshot.provider_auth.empty()) {
    return Status::FailedPrecondition("snapshot " + snapshot.id +
                                      " is not exported (CreateSnapshotExport first)");
  }
  return IscsiConnectionFromModel(snapshot.provider_location, snapshot.provider_auth, connector);
}

Status FileDriver::TerminateSnapshotConnection(const SnapshotRef& snapshot,
                                               const ConnectorProperties& /*connector*/) {
  RETURN_IF_ERROR(RequireExports());
  if (!IsUuid(snapshot.id)) return Status::InvalidArgument("snapshot id is not a UUID");
  return Status::Ok();
}

}  // namespace bb
