#include "backup_service/manager/backup_source.h"

namespace bb {

Result<BackupSourcePlan> ChooseBackupSource(const DriverCapabilities& caps,
                                            VolumeStatus volume_status) {
  if (caps.can_snapshot && caps.snapshot_readable_locally) {
    return BackupSourcePlan{BackupSourceKind::kTempSnapshotLocal,
                            "the driver makes point-in-time snapshots readable on this host; the "
                            "volume is released as soon as the snapshot exists",
                            true};
  }
  if (caps.can_clone && caps.volume_readable_locally) {
    std::string why_no_snapshot =
        caps.no_snapshot_reason.empty() ? "" : " (" + caps.no_snapshot_reason + ")";
    return BackupSourcePlan{BackupSourceKind::kTempCloneLocal,
                            "the driver cannot snapshot" + why_no_snapshot + " but can clone" +
                                (caps.clone_is_cheap ? " cheaply" : "") +
                                "; the volume is released as soon as the clone exists",
                            true};
  }
  if (volume_status == VolumeStatus::kAvailable && caps.volume_readable_locally) {
    return BackupSourcePlan{BackupSourceKind::kVolumeDirect,
                            "the driver can neither snapshot nor clone; the detached volume is "
                            "read directly and stays backing-up until the copy ends",
                            false};
  }
  std::string why = caps.no_consistent_copy_reason.empty()
                        ? "the volume driver can neither snapshot nor clone the volume"
                        : caps.no_consistent_copy_reason;
  if (volume_status == VolumeStatus::kInUse) {
    return Status::FailedPrecondition("cannot back up an in-use volume consistently: " + why +
                                      ". Detach the volume and back it up while it is available.");
  }
  return Status::FailedPrecondition("cannot read the volume on this host: " + why);
}

Result<BackupSourcePlan> ChooseSnapshotBackupSource(const DriverCapabilities& caps) {
  if (caps.snapshot_readable_locally) {
    return BackupSourcePlan{BackupSourceKind::kSnapshotLocal,
                            "backup of a given snapshot: read through its local path; the volume "
                            "is not touched",
                            false};
  }
  return Status::FailedPrecondition(
      "the volume driver cannot read snapshots on this host, so a snapshot cannot be backed up "
      "here; back up the volume instead");
}

}  // namespace bb
