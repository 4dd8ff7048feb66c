// Cancellation of running jobs. Both kinds persist their transition first, then stop the job:
//   force delete of a creating backup: creating -> deleting (compare-and-swap + event). The job
//     stops at its next check, gives back the volume/snapshot it holds, then the delete removes
//     its temporaries, its manifest if written and the chunks no manifest refers to, and the
//     backup becomes deleted. The job does that cleanup itself: the temporaries are files on its
//     host and its chunks are fenced by its container lock. A crash at any point leaves a
//     deleting backup, which restart recovery resumes (RunDelete gives back what it holds).
//   CancelRestore: in one transaction the backup restoring -> available and the target volume
//     restoring-backup -> error (its content is partial). Nothing is left to clean up, so the
//     job only has to stop; its own final writes are compare-and-swaps on the volume's
//     restoring-backup, which fail, so it never touches the backup again.
// How the job learns of it: a job of this daemon through its cancel flag (JobRegistry), seen
// between chunks; a job on another daemon (a host sharing the database) by reading its backup's
// status at most once a second (BackupManager::Cancellation). A poll, not LISTEN/NOTIFY: one
// indexed read per running job per second costs nothing, needs no dedicated connection per
// daemon, and cannot miss a notification sent while a connection was being re-established.
#include <algorithm>

#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

Result<Backup> BackupManager::CancelCreate(const Backup& b) {
  RETURN_IF_ERROR(backups_.Transition(b.id, BackupStatus::kCreating, BackupStatus::kDeleting,
                                      "force delete: cancelling the running backup"));
  // Read before the job is told: a job still queued finishes the delete on this thread.
  ASSIGN_OR_RETURN(Backup deleting, backups_.Get(b.id));
  BB_LOG(kWarning) << "backup " << b.id << " force-deleted while creating: cancelling its job";
  if (b.host != options_.host) {
    BB_LOG(kInfo) << "backup " << b.id << " runs on host " << b.host
                  << ": its job sees the delete within a second and finishes it (or, if that "
                     "host is down, its restart or a takeover does)";
  } else if (!CancelLocalJob(b.id)) {
    // Accepted but not yet registered: the job reads the status when it starts.
    BB_LOG(kInfo) << "backup " << b.id << ": its job sees the delete when it starts";
  }
  return deleting;
}

Result<RestoreCancelled> BackupManager::CancelRestore(const std::string& project_id,
                                                      const std::string& backup_id) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", backup_id));
  ASSIGN_OR_RETURN(Backup b, backups_.Get(backup_id, project_id));
  if (b.status != BackupStatus::kRestoring) {
    return Status::FailedPrecondition("backup " + b.id + " is " + std::string(ToString(b.status)) +
                                      ": there is no restore to cancel");
  }
  std::optional<VolumeRelease> target;
  if (!b.restore_volume_id.empty()) {
    target =
        VolumeRelease{b.restore_volume_id, VolumeStatus::kRestoringBackup, VolumeStatus::kError};
  }
  BackupChange change;
  change.restore_volume_id = "";
  std::string reason = "restore into volume " + b.restore_volume_id + " cancelled";
  // The same one-transaction release as reset-status; the volume's compare-and-swap finds it
  // available instead when the job had already finished (the cancel came too late).
  RETURN_IF_ERROR(backups_.Reset(b.id, BackupStatus::kRestoring, BackupStatus::kAvailable, reason,
                                 change, target, std::nullopt));
  BB_LOG(kWarning) << "backup " << b.id << ": " << reason;
  if (b.host == options_.host) CancelLocalJob(b.id);
  RestoreCancelled out;
  ASSIGN_OR_RETURN(out.backup, backups_.Get(b.id));
  if (!b.restore_volume_id.empty()) {
    ASSIGN_OR_RETURN(out.volume, volumes_.GetVolume(b.project_id, b.restore_volume_id));
  }
  return out;
}

bool BackupManager::CancelLocalJob(const std::string& backup_id) {
  if (!jobs_.RequestCancel(backup_id)) return false;
  // A job waiting for a worker would keep its volume until one is free (hours, behind long
  // backups): it runs now instead, sees the flag at its first check and only gives back what
  // it holds.
  std::function<void()> run;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [&](const QueuedJob& q) { return q.backup_id == backup_id; });
    if (it != queue_.end()) {
      run = std::move(it->run);
      queue_.erase(it);
      ++running_;  // WaitIdle waits for it
    }
  }
  if (run) {
    run();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
    }
    cv_.notify_all();
  }
  return true;
}

bool BackupManager::CancelledInDatabase(const std::string& backup_id) {
  auto b = backups_.Get(backup_id);
  return b.ok() && b->status == BackupStatus::kDeleting;
}

void BackupManager::FinishCancelledBackup(const Backup& backup, bool data_written, JobHandle& job) {
  // The row, not the job's copy: it says which temporaries were recorded.
  Result<Backup> row = Status::Unavailable("not read");
  Status st = PersistWithRetry("reading cancelled backup " + backup.id, [&] {
    row = backups_.Get(backup.id);
    return row.status();
  });
  if (!st.ok() || row->status != BackupStatus::kDeleting) {
    // Left deleting: restart recovery resumes the delete.
    BB_LOG(kError) << "cancelled backup " << backup.id << ": "
                   << (st.ok() ? "status is " + std::string(ToString(row->status)) : st.ToString());
    return;
  }
  RunDelete(*row, job, data_written);
}

Status BackupManager::ReleaseHeldSource(const Backup& backup, const std::string& reason) {
  std::optional<VolumeRelease> volume;
  std::optional<SnapshotRelease> snapshot;
  if (backup.snapshot_id.empty()) {
    auto v = volume_records_.Get(backup.volume_id);
    if (v.status().code() == StatusCode::kNotFound) return Status::Ok();  // a backup outlives it
    if (!v.ok()) return v.status();
    if (v->status != VolumeStatus::kBackingUp) return Status::Ok();
    volume = VolumeRelease{v->id, VolumeStatus::kBackingUp,
                           v->previous_status == VolumeStatus::kInUse ? VolumeStatus::kInUse
                                                                      : VolumeStatus::kAvailable};
  } else {
    snapshot = SnapshotRelease{backup.snapshot_id};  // backing-up -> available, if still so
  }
  return backups_.ReleaseHeld(backup.id, reason, volume, snapshot);
}

}  // namespace bb
