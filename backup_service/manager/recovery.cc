// Restart-time cleanup of a host's unfinished backup work (Cinder's init_host cleanup, done
// completely). Runs in backupd before it serves requests (its own host) and for `service
// takeover` (a host that is gone). Every step is idempotent: running it twice, or on something
// already gone, is fine, so a crash during recovery is recovered by the next start.
//   creating  -> error ("incomplete: backupd restarted"); first its manifest (if the crash came
//                after writing it) and the chunks no manifest names are removed from the store
//                (the chunks later, by the next delete there, while a backup on any daemon
//                writes into the container); then the volume back to previous_status, a given
//                snapshot back to available (same transaction); then temporaries removed.
//   restoring -> available (the backup is intact); the target volume -> error_restoring, or error
//                when it was created for the restore (same transaction).
//   deleting  -> the delete is resumed to the end (deletes of objects are idempotent); on a
//                takeover the backup is first adopted (its host becomes this daemon's); for a
//                backup force-deleted while creating, RunDelete also gives back the volume or
//                snapshot it may still hold and removes its temporaries and chunks.
//   any backup still recording a temporary (an earlier removal failed) -> removed now.
// A creating backup that read through an export (backup_attach = remote) may have died logged in
// (open-iscsi's kernel session outlives the process): that session is logged out first, found
// by the exported object's provider_location, before the export and the temporary go.
#include "backup_service/common/log.h"
#include "backup_service/datapath/restore_job.h"
#include "backup_service/manager/backup_manager.h"
#include "volume_drivers/targets/driver_exports.h"

namespace bb {
namespace {

bool ReadThroughExport(BackupSourceKind k) {
  return k == BackupSourceKind::kTempSnapshotAttached ||
         k == BackupSourceKind::kTempCloneAttached || k == BackupSourceKind::kSnapshotAttached;
}

// Logs out whatever this host's connector still has connected to the iSCSI export recorded in
// `provider_location` (none for libiscsi, whose sessions die with the process). OK when it is not
// an iSCSI location (not exported, or already unexported: nothing can be connected then).
Status DisconnectLeftover(const std::string& provider_location, CommandRunner& runner,
                          const ConnectorOptions& options, const std::string& what) {
  auto exported = ParseProviderLocation(provider_location);
  if (!exported.ok()) return Status::Ok();
  ConnectionInfo info = IscsiConnectionInfo(*exported);
  ASSIGN_OR_RETURN(std::unique_ptr<Connector> connector,
                   CreateConnector(info.driver_volume_type, runner, options));
  ASSIGN_OR_RETURN(std::vector<std::string> devices, connector->Devices(info));
  for (const std::string& device : devices) {
    RETURN_IF_ERROR(connector->Disconnect(info, device).WithContext("disconnecting " + what));
    BB_LOG(kWarning) << "recovery: disconnected " << device << " (" << what << ")";
  }
  return Status::Ok();
}

}  // namespace

Status BackupManager::DisconnectLeftoverSource(const Backup& b) {
  if (!ReadThroughExport(b.source_kind)) return Status::Ok();
  const std::string& snapshot_id = b.snapshot_id.empty() ? b.temp_snapshot_id : b.snapshot_id;
  if (!snapshot_id.empty()) {
    auto s = snapshot_records_.Get(snapshot_id);
    if (s.status().code() == StatusCode::kNotFound) return Status::Ok();
    if (!s.ok()) return s.status();
    return DisconnectLeftover(s->provider_location, volumes_.runner(), options_.connector_options,
                              "snapshot " + snapshot_id);
  }
  if (!b.temp_volume_id.empty()) {
    auto v = volume_records_.Get(b.temp_volume_id);
    if (v.status().code() == StatusCode::kNotFound) return Status::Ok();
    if (!v.ok()) return v.status();
    return DisconnectLeftover(v->provider_location, volumes_.runner(), options_.connector_options,
                              "clone " + b.temp_volume_id);
  }
  return Status::Ok();
}

Result<RecoveryReport> BackupManager::RecoverHost(const std::string& host) {
  ASSIGN_OR_RETURN(std::vector<Backup> unfinished, backups_.ListNeedingRecovery(host));
  RecoveryReport report;
  for (Backup& b : unfinished) {
    if (jobs_.IsActive(b.id)) continue;  // takeover of our own host: a live job is not stale
    std::optional<VolumeRelease> volume;
    std::optional<SnapshotRelease> snapshot;
    BackupChange change;
    BackupStatus to = b.status;
    std::string reason;
    switch (b.status) {
      case BackupStatus::kCreating: {
        if (Status st = DisconnectLeftoverSource(b); !st.ok()) {
          report.problems.push_back("backup " + b.id + ": " + st.ToString());
          continue;
        }
        to = BackupStatus::kError;
        reason = "incomplete backup: backupd on " + host + " stopped during it";
        change.fail_reason = reason;
        change.set_finished_now = true;
        if (b.snapshot_id.empty()) {
          auto v = volume_records_.Get(b.volume_id);
          if (v.ok() && v->status == VolumeStatus::kBackingUp) {
            volume = VolumeRelease{v->id, VolumeStatus::kBackingUp,
                                   v->previous_status == VolumeStatus::kInUse
                                       ? VolumeStatus::kInUse
                                       : VolumeStatus::kAvailable};
          }
        } else {
          // A given snapshot read through its export: the export goes before the snapshot is
          // released (idempotent, by the snapshot's id).
          if (b.source_kind == BackupSourceKind::kSnapshotAttached) {
            if (Status st = volumes_.UnexportSnapshot(b.snapshot_id, options_.backup_connector);
                !st.ok()) {
              report.problems.push_back("backup " + b.id + ": " + st.ToString());
              continue;
            }
          }
          snapshot = SnapshotRelease{b.snapshot_id};
        }
        // What it stored goes while the row is still creating: a manifest the crash left (written,
        // but the row never said available) would otherwise keep its chunks forever. If this
        // fails the backup stays creating for the next start.
        auto discarded = DiscardStoredData(b, /*wait_for_container=*/false);
        if (!discarded.ok()) {
          report.problems.push_back("backup " + b.id + ": " + discarded.status().ToString());
          continue;
        }
        report.chunks_collected += *discarded;
        ++report.backups_failed;
        break;
      }
      case BackupStatus::kRestoring:
        to = BackupStatus::kAvailable;
        reason = "restore interrupted: backupd on " + host + " stopped during it";
        change.restore_volume_id = "";
        if (!b.restore_volume_id.empty()) {
          // Written through an export (backup_attach = remote): the export goes first.
          if (Status st = volumes_.UnexportVolume(b.restore_volume_id, options_.backup_connector);
              !st.ok()) {
            report.problems.push_back("backup " + b.id + ": " + st.ToString());
            continue;
          }
          volume = VolumeRelease{
              b.restore_volume_id, VolumeStatus::kRestoringBackup,
              b.restore_volume_created ? VolumeStatus::kError : VolumeStatus::kErrorRestoring};
        }
        ++report.restores_rolled_back;
        break;
      case BackupStatus::kDeleting:
        if (host != options_.host) {
          // Takeover: the delete becomes this daemon's, so that the other host, should it come
          // back, does not run it too.
          if (Status st = backups_.Adopt(b.id, b.status, host); !st.ok()) {
            report.problems.push_back("backup " + b.id + ": " + st.ToString());
            continue;
          }
        }
        ++report.deletes_resumed;
        BB_LOG(kInfo) << "recovery: resuming the delete of backup " << b.id;
        SubmitJob(b.id, JobOperation::kDelete, [this, b](JobHandle& job) { RunDelete(b, job); });
        continue;
      default:
        break;  // resting, but still records a temporary: removed below
    }
    if (to != b.status) {
      Status st = backups_.Reset(b.id, b.status, to, reason, change, volume, snapshot);
      if (!st.ok()) {
        report.problems.push_back("backup " + b.id + ": " + st.ToString());
        continue;
      }
      BB_LOG(kWarning) << "recovery: backup " << b.id << " " << ToString(b.status) << " -> "
                       << ToString(to)
                       << (volume ? ", volume " + volume->volume_id + " -> " +
                                        std::string(ToString(volume->to))
                                  : "");
    }
    if (!b.temp_snapshot_id.empty() || !b.temp_volume_id.empty()) {
      BackupChange cleared;
      bool all_removed = RemoveTemporaries(b, cleared);
      if (cleared.temp_snapshot_id || cleared.temp_volume_id) ++report.temporaries_removed;
      Status st = backups_.Update(b.id, to, "recovery: temporaries removed", cleared);
      if (!st.ok()) report.problems.push_back("backup " + b.id + ": " + st.ToString());
      if (!all_removed) {
        report.problems.push_back("backup " + b.id + ": a temporary could not be removed yet");
      }
    }
  }
  // After the backups: a base whose backup just failed here is now stale too.
  RemoveStaleBases(host, report);
  BB_LOG(kInfo) << "recovery of host " << host << ": " << report.backups_failed
                << " backups failed, " << report.restores_rolled_back << " restores rolled back, "
                << report.deletes_resumed << " deletes resumed, " << report.temporaries_removed
                << " temporaries removed, " << report.chunks_collected << " chunks collected, "
                << report.problems.size() << " problems";
  for (const auto& p : report.problems) BB_LOG(kError) << "recovery: " << p;
  return report;
}

}  // namespace bb
