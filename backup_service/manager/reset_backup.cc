// Reset-status (admin): puts a backup to available or error and gives back what it holds, for a
// backup left transitional by a crash or a bug. Unlike Cinder's, the reset also releases the
// volume (to its recorded previous status), a given snapshot (to available) and a restore target
// (to error_restoring: its contents are partial; error when it was created for the restore),
// in the same transaction as the backup's own
// change; the backup's temporary snapshot/clone is then removed (ids stay recorded until it is).
#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/manager/backup_manager.h"
#include "backup_service/model/state_machine.h"

namespace bb {
namespace {

bool IsTransitional(BackupStatus s) {
  return s == BackupStatus::kCreating || s == BackupStatus::kRestoring ||
         s == BackupStatus::kDeleting;
}

}  // namespace

Result<Backup> BackupManager::ResetBackupStatus(const std::string& backup_id,
                                                const std::string& status) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", backup_id));
  std::optional<BackupStatus> to = ParseBackupStatus(status);
  if (!to || (*to != BackupStatus::kAvailable && *to != BackupStatus::kError)) {
    return Status::InvalidArgument("status must be available or error, got \"" +
                                   status.substr(0, 40) + "\"");
  }
  ASSIGN_OR_RETURN(Backup b, backups_.Get(backup_id));
  if (auto job = jobs_.Find(b.id)) {
    return Status::FailedPrecondition("backup " + b.id + " is being worked on by this daemon (" +
                                      std::string(ToString(job->operation)) + ", phase " +
                                      std::string(ToString(job->phase)) +
                                      "); wait for it to finish");
  }
  if (IsTransitional(b.status) && b.host != options_.host) {
    // That host may still be running the job; resetting under it would let two writers race.
    return Status::FailedPrecondition("backup " + b.id + " is " + std::string(ToString(b.status)) +
                                      " on host " + b.host +
                                      "; reset it through that host's "
                                      "backupd");
  }
  if (*to == BackupStatus::kAvailable) {
    // The manifest is written last when a backup is made and removed first when one is deleted,
    // so its presence means every chunk it names is stored.
    if (b.manifest_object.empty()) {
      return Status::FailedPrecondition("backup " + b.id +
                                        " has no manifest (it never completed): it cannot be "
                                        "made available; reset it to error or delete it");
    }
    ASSIGN_OR_RETURN(bool present, store_.Exists(StoreContainer(b), b.manifest_object));
    if (!present) {
      return Status::FailedPrecondition("the manifest " + b.manifest_object + " of backup " + b.id +
                                        " is not in the object store: the backup cannot "
                                        "be made available; reset it to error or delete it");
    }
  }

  std::optional<VolumeRelease> volume;
  std::optional<SnapshotRelease> snapshot;
  if (b.status == BackupStatus::kCreating && b.snapshot_id.empty()) {
    auto v = volume_records_.Get(b.volume_id);
    if (v.ok() && v->status == VolumeStatus::kBackingUp) {
      VolumeStatus back = v->previous_status == VolumeStatus::kInUse ? VolumeStatus::kInUse
                                                                     : VolumeStatus::kAvailable;
      volume = VolumeRelease{v->id, VolumeStatus::kBackingUp, back};
    }
  } else if (b.status == BackupStatus::kCreating) {
    snapshot =
        SnapshotRelease{b.snapshot_id, SnapshotStatus::kBackingUp, SnapshotStatus::kAvailable};
  } else if (b.status == BackupStatus::kRestoring && !b.restore_volume_id.empty()) {
    volume = VolumeRelease{
        b.restore_volume_id, VolumeStatus::kRestoringBackup,
        b.restore_volume_created ? VolumeStatus::kError : VolumeStatus::kErrorRestoring};
  }

  BackupChange change;
  change.restore_volume_id = "";
  change.fail_reason = *to == BackupStatus::kError ? "reset to error by the operator (was " +
                                                         std::string(ToString(b.status)) + ")"
                                                   : "";
  std::string reason = "reset-status by the operator: " + std::string(ToString(b.status)) + " -> " +
                       std::string(ToString(*to));
  RETURN_IF_ERROR(backups_.Reset(b.id, b.status, *to, reason, change, volume, snapshot));
  BB_LOG(kWarning) << "backup " << b.id << ": " << reason;

  if (!b.temp_snapshot_id.empty() || !b.temp_volume_id.empty()) {
    BackupChange cleared;
    RemoveTemporaries(b, cleared);
    Status st = backups_.Update(b.id, *to, "temporaries removed after reset-status", cleared);
    if (!st.ok()) BB_LOG(kError) << "backup " << b.id << ": " << st.ToString();
  }
  return backups_.Get(b.id);
}

}  // namespace bb
