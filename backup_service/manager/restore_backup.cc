// Restore: request checks and the first transition (synchronous: backup -> restoring, target
// volume -> restoring-backup, in one transaction), then the worker copies the manifest's chunks
// into the volume. On failure the backup returns to available (it is intact) and the volume goes
// to error when it was created for the restore, error_restoring otherwise (Cinder always says
// error_restoring: a known gap). CancelRestore (cancel_backup.cc) puts both to rest itself; the
// job then only stops: its final writes are compare-and-swaps on the volume's restoring-backup,
// so after a cancel it never touches the backup (which may be restoring again, elsewhere).
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/restore_job.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

Result<RestoreStarted> BackupManager::RestoreBackup(const RestoreParams& p) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", p.backup_id));
  RETURN_IF_ERROR(ValidateOptionalUuid("volume_id", p.volume_id));
  RETURN_IF_ERROR(ValidateText("name", p.name, kMaxNameBytes));
  ASSIGN_OR_RETURN(Backup backup, backups_.Get(p.backup_id, p.project_id));
  if (backup.status != BackupStatus::kAvailable) {
    return Status::FailedPrecondition("Backup status must be available, but it is " +
                                      std::string(ToString(backup.status)));
  }
  if (backup.storage_format == kStoragePackedV2) {
    // A key that cannot open the container refuses the restore before a volume is touched.
    RETURN_IF_ERROR(CheckV2Keys(StoreContainer(backup), /*for_backup=*/false));
  }
  Volume volume;
  bool is_new = p.volume_id.empty();
  if (!is_new) {
    ASSIGN_OR_RETURN(volume, volumes_.GetVolume(p.project_id, p.volume_id));
    if (volume.status != VolumeStatus::kAvailable) {
      return Status::FailedPrecondition("volume " + volume.id +
                                        " must be available to restore into, but it is " +
                                        std::string(ToString(volume.status)));
    }
    if (volume.size_gib < backup.size_gib) {
      return Status::InvalidArgument("volume size " + std::to_string(volume.size_gib) +
                                     " GiB is too small to restore backup of size " +
                                     std::to_string(backup.size_gib) + " GiB");
    }
    if (volume.size_gib > backup.size_gib) {
      // Allowed (as in Cinder); the space after the backup's end is left as it was.
      BB_LOG(kWarning) << "restoring backup " << backup.id << " (" << backup.size_gib
                       << " GiB) into the larger volume " << volume.id << " (" << volume.size_gib
                       << " GiB): the last " << volume.size_gib - backup.size_gib
                       << " GiB are left as they are";
    }
  } else {
    CreateVolumeParams vp;
    vp.project_id = p.project_id;
    vp.name = p.name.empty() ? "restore_backup_" + backup.id : p.name;
    vp.description = "auto-created_from_restore_from_backup";
    vp.size_gib = backup.size_gib;
    ASSIGN_OR_RETURN(volume, volumes_.CreateVolumeForRestore(vp));
  }
  Status st = backups_.BeginRestore(backup.id, volume.id, volume.status, is_new);
  if (!st.ok()) {
    if (is_new) {
      // The volume was made for this request only: take it away again.
      (void)volume_records_.Transition(volume.id, VolumeStatus::kRestoringBackup,
                                       VolumeStatus::kError, "restore refused: " + st.message());
      (void)volumes_.DeleteTemporaryVolume(volume.id);
    }
    return st;
  }
  ASSIGN_OR_RETURN(backup, backups_.Get(backup.id));
  ASSIGN_OR_RETURN(volume, volumes_.GetVolume(p.project_id, volume.id));
  BB_LOG(kInfo) << "restore of backup " << backup.id << " into volume " << volume.id
                << (is_new ? " (new)" : "") << " accepted";
  SubmitJob(backup.id, JobOperation::kRestore, [this, backup, volume, is_new](JobHandle& job) {
    RunRestore(backup, volume, is_new, job);
  });
  return RestoreStarted{backup, volume};
}

void BackupManager::RunRestore(Backup backup, Volume volume, bool volume_is_new, JobHandle& job) {
  auto stop_cancelled = [&] {
    BB_LOG(kInfo) << "restore of backup " << backup.id << " into " << volume.id << " cancelled";
    job.SetFailed("restore cancelled");
  };
  if (job.cancel_requested()) return stop_cancelled();  // while queued
  Status st = failpoint::Hit("restore.after_begin");
  job.SetPhase(JobPhase::kCopy);
  // backup_attach = remote with a driver that exports volumes: the target is exported to this
  // host and written through the connector's handle (an iSCSI session); otherwise through its
  // local path (where zero chunks punch holes, keeping the volume sparse).
  Result<DriverCapabilities> caps = volumes_.Capabilities();
  if (st.ok() && !caps.ok()) st = caps.status();
  const bool remote =
      options_.attach == BackupAttach::kRemote && caps.ok() && caps->volume_attachable;
  std::shared_ptr<SourceAttachment> target;
  auto unexport = [&] {
    if (target) {
      if (Status d = target->Detach(); !d.ok()) {
        BB_LOG(kWarning) << "restore " << backup.id << ": detaching: " << d.ToString();
      }
      target.reset();
    }
    if (!remote) return;
    Status u = PersistWithRetry("removing the export of volume " + volume.id, [&] {
      return volumes_.UnexportVolume(volume.id, options_.backup_connector);
    });
    if (!u.ok()) BB_LOG(kError) << "restore " << backup.id << ": " << u.ToString();
  };
  Result<std::string> path = std::string();
  if (st.ok() && remote) {
    auto info = volumes_.ExportVolume(volume.id, options_.backup_connector);
    auto opened = info.ok()
                      ? SourceAttachment::Attach(*info, volumes_.runner(),
                                                 options_.connector_options, AccessMode::kReadWrite)
                      : Result<std::unique_ptr<SourceAttachment>>(info.status());
    if (opened.ok()) {
      target = std::move(opened).value();
      path = target->name();
    } else {
      path = opened.status();
    }
  } else if (st.ok()) {
    path = volumes_.VolumeLocalPath(volume);
  }
  if (!st.ok()) {
    // the failpoint's error
  } else if (!path.ok()) {
    st = path.status();
  } else {
    RestoreJobSpec spec;
    spec.store = &store_;
    spec.container = StoreContainer(backup);
    spec.manifest_object = backup.manifest_object;
    spec.target_path = *path;
    if (target) spec.target_device = &target->device();
    spec.target_size_bytes = volume.size_gib << 30;
    spec.target_is_zeroed = volume_is_new;  // a new file-driver volume is a sparse, zero file
    spec.workers = options_.workers_per_job;
    spec.progress = ThrottledProgress(backup.id, job);
    // Another daemon's CancelRestore shows in the row: no longer restoring into this volume.
    spec.cancelled = Cancellation("restore.mid_write", job, [this, &backup, &volume] {
      auto row = backups_.Get(backup.id);
      return row.ok() &&
             (row->status != BackupStatus::kRestoring || row->restore_volume_id != volume.id);
    });
    auto result = backup.storage_format == kStoragePackedV2 ? RunRestoreV2(spec, backup)
                                                            : RunRestoreJob(spec);
    st = result.status();
    if (result.ok()) {
      BB_LOG(kInfo) << "restore of backup " << backup.id << " into " << volume.id << " (" << *path
                    << "): " << result->bytes_written << " bytes in " << result->seconds << " s";
    }
  }
  // Logout and unexport before the volume leaves restoring-backup.
  unexport();
  if (job.cancel_requested()) return stop_cancelled();
  job.SetPhase(JobPhase::kFinalize);
  BackupChange clear;
  clear.restore_volume_id = "";
  if (st.ok()) {
    // Two transactions: a crash between them leaves the volume available and the backup
    // restoring, which restart cleanup turns into available (the volume's compare-and-swap to
    // error_restoring then finds it available and leaves it alone).
    st = PersistWithRetry("making volume " + volume.id + " available", [&] {
      BB_FAILPOINT("restore.before_volume_available");
      return volume_records_.Transition(volume.id, VolumeStatus::kRestoringBackup,
                                        VolumeStatus::kAvailable,
                                        "restored from backup " + backup.id);
    });
    // Cancelled after the last chunk (by another daemon, or just now).
    if (st.code() == StatusCode::kFailedPrecondition) return stop_cancelled();
  }
  if (st.ok()) {
    Status b = PersistWithRetry("making backup " + backup.id + " available", [&] {
      BB_FAILPOINT("restore.before_backup_available");
      return backups_.Transition(backup.id, BackupStatus::kRestoring, BackupStatus::kAvailable,
                                 "restored into volume " + volume.id, clear);
    });
    if (!b.ok()) BB_LOG(kError) << "restore " << backup.id << ": " << b.ToString();
    return;
  }
  BB_LOG(kError) << "restore of backup " << backup.id << " into " << volume.id
                 << " failed: " << st.ToString();
  // The backup goes back to available: only the registry (and the volume's status) tells a
  // watcher that this restore failed, and why.
  job.SetFailed(st.message());
  VolumeStatus to = volume_is_new ? VolumeStatus::kError : VolumeStatus::kErrorRestoring;
  Status v = PersistWithRetry("failing the restore into " + volume.id, [&] {
    return volume_records_.Transition(volume.id, VolumeStatus::kRestoringBackup, to,
                                      "restore failed: " + st.message());
  });
  if (v.code() == StatusCode::kFailedPrecondition) return stop_cancelled();
  if (!v.ok()) BB_LOG(kError) << "restore " << backup.id << ": " << v.ToString();
  Status b = PersistWithRetry("returning backup " + backup.id + " to available", [&] {
    return backups_.Transition(backup.id, BackupStatus::kRestoring, BackupStatus::kAvailable,
                               "restore into volume " + volume.id + " failed: " + st.message(),
                               clear);
  });
  if (!b.ok()) BB_LOG(kError) << "restore " << backup.id << ": " << b.ToString();
}

}  // namespace bb
