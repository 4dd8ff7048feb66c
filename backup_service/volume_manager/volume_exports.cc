// VolumeManager: exports of snapshots to the backup host (the remote-attach backup path).
// Order, each step persisted before the side effect it guards:
//   (temporary snapshot) available -> backing-up "exporting to <host>"   [record]
//   driver CreateSnapshotExport                                           [side effect]
//   provider_location/provider_auth stored (event "exported")             [record]
//   driver InitializeSnapshotConnection -> ConnectionInfo for the connector
// and back: TerminateSnapshotConnection -> RemoveSnapshotExport -> provider_auth cleared. A crash
// anywhere leaves a backing-up snapshot (or a temporary one) whose cleanup removes the export by
// the snapshot's id (idempotent), whether or not the update was recorded. Volumes the same way
// (a restore target in restoring-backup, or a backup's temporary clone). The failpoints
// export.* / unexport.* (model/failpoints.cc) sit after each driver call;
// tests/integration/export_crash_test.cc kills backupd at each and checks the restart.
//
// No export survives a restart, and none is re-created at start (Cinder's ensure_export): every
// export here belongs to one backup or restore, which restart recovery ends (error or rolled
// back), so recovery removes the export instead. A target that vanished meanwhile (tgtd
// restarted, an operator's tgtadm) is fine: Remove*Export is idempotent.
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/volume_manager/volume_manager.h"

namespace bb {

Result<ConnectionInfo> VolumeManager::ExportSnapshot(const std::string& snapshot_id,
                                                     const ConnectorProperties& connector) {
  if (!driver_.Capabilities().snapshot_attachable) {
    return Status::FailedPrecondition("the volume driver cannot export snapshots");
  }
  ASSIGN_OR_RETURN(Snapshot s, snapshots_.Get(snapshot_id));
  const std::string to = connector.host.empty() ? connector.initiator : connector.host;
  if (s.is_temporary && s.status == SnapshotStatus::kAvailable) {
    RETURN_IF_ERROR(snapshots_.Transition(s.id, SnapshotStatus::kAvailable,
                                          SnapshotStatus::kBackingUp, "exporting to " + to));
    s.status = SnapshotStatus::kBackingUp;
  } else if (s.status == SnapshotStatus::kBackingUp) {
    RETURN_IF_ERROR(snapshots_.UpdateExport(s.id, s.status, "exporting to " + to, {}));
  } else {
    return Status::FailedPrecondition("snapshot " + s.id +
                                      " must be backing-up to be exported, "
                                      "but it is " +
                                      std::string(ToString(s.status)));
  }
  auto undo = [&](const Status& why) {
    Status removed = UnexportSnapshot(s.id, connector);
    if (!removed.ok()) {
      BB_LOG(kError) << "snapshot " << s.id << ": export not removed: " << removed.ToString();
    }
    return why;
  };
  auto update = driver_.CreateSnapshotExport(Ref(s), connector);
  if (!update.ok()) return undo(update.status().WithContext("exporting snapshot " + s.id));
  if (Status fp = failpoint::Hit("export.snapshot.after_create_export"); !fp.ok()) return undo(fp);
  SnapshotChange change;
  change.provider_location = update->provider_location;
  change.provider_auth = update->provider_auth;
  if (Status st = snapshots_.UpdateExport(s.id, s.status, "exported to " + to, change); !st.ok()) {
    return undo(st);
  }
  s.provider_location = update->provider_location;
  s.provider_auth = update->provider_auth;
  auto info = driver_.InitializeSnapshotConnection(Ref(s), connector);
  if (!info.ok()) return undo(info.status().WithContext("connecting snapshot " + s.id));
  if (Status fp = failpoint::Hit("export.snapshot.after_initialize_connection"); !fp.ok()) {
    return undo(fp);
  }
  BB_LOG(kInfo) << "snapshot " << s.id << " exported to " << to << " as "
                << s.provider_location;  // the location holds no secret
  return info;
}

Status VolumeManager::UnexportSnapshot(const std::string& snapshot_id,
                                       const ConnectorProperties& connector) {
  auto s = snapshots_.Get(snapshot_id);
  if (s.status().code() == StatusCode::kNotFound) return Status::Ok();
  if (!s.ok()) return s.status();
  if (!driver_.Capabilities().snapshot_attachable) return Status::Ok();
  Status terminated = driver_.TerminateSnapshotConnection(Ref(*s), connector);
  if (!terminated.ok()) {
    BB_LOG(kWarning) << "snapshot " << s->id << ": " << terminated.ToString();
  }
  BB_FAILPOINT("unexport.snapshot.after_terminate_connection");
  ASSIGN_OR_RETURN(ExportUpdate none, driver_.RemoveSnapshotExport(Ref(*s)));
  BB_FAILPOINT("unexport.snapshot.after_remove_export");
  if (s->provider_auth.empty() && s->provider_location == none.provider_location) {
    return Status::Ok();
  }
  SnapshotChange change;
  change.provider_location = none.provider_location;
  change.provider_auth = "";
  return snapshots_.UpdateExport(s->id, s->status, "export removed", change);
}

Result<ConnectionInfo> VolumeManager::ExportVolume(const std::string& volume_id,
                                                   const ConnectorProperties& connector) {
  if (!driver_.Capabilities().volume_attachable) {
    return Status::FailedPrecondition("the volume driver cannot export volumes");
  }
  ASSIGN_OR_RETURN(Volume v, volumes_.Get(volume_id));
  if (v.status != VolumeStatus::kRestoringBackup && v.status != VolumeStatus::kAvailable) {
    return Status::FailedPrecondition("volume " + v.id +
                                      " must be restoring-backup (a restore target) or available "
                                      "(a backup's temporary clone) to be exported, but it is " +
                                      std::string(ToString(v.status)));
  }
  const std::string to = connector.host.empty() ? connector.initiator : connector.host;
  RETURN_IF_ERROR(volumes_.UpdateExport(v.id, v.status, "exporting to " + to, {}));
  auto undo = [&](const Status& why) {
    Status removed = UnexportVolume(v.id, connector);
    if (!removed.ok()) {
      BB_LOG(kError) << "volume " << v.id << ": export not removed: " << removed.ToString();
    }
    return why;
  };
  auto update = driver_.CreateExport(Ref(v), connector);
  if (!update.ok()) return undo(update.status().WithContext("exporting volume " + v.id));
  if (Status fp = failpoint::Hit("export.volume.after_create_export"); !fp.ok()) return undo(fp);
  VolumeChange change;
  change.provider_location = update->provider_location;
  change.provider_auth = update->provider_auth;
  if (Status st = volumes_.UpdateExport(v.id, v.status, "exported to " + to, change); !st.ok()) {
    return undo(st);
  }
  v.provider_location = update->provider_location;
  v.provider_auth = update->provider_auth;
  auto info = driver_.InitializeConnection(Ref(v), connector);
  if (!info.ok()) return undo(info.status().WithContext("connecting volume " + v.id));
  if (Status fp = failpoint::Hit("export.volume.after_initialize_connection"); !fp.ok()) {
    return undo(fp);
  }
  BB_LOG(kInfo) << "volume " << v.id << " exported to " << to << " as " << v.provider_location;
  return info;
}

Status VolumeManager::UnexportVolume(const std::string& volume_id,
                                     const ConnectorProperties& connector) {
  auto v = volumes_.Get(volume_id);
  if (v.status().code() == StatusCode::kNotFound) return Status::Ok();
  if (!v.ok()) return v.status();
  if (!driver_.Capabilities().volume_attachable) return Status::Ok();
  Status terminated = driver_.TerminateConnection(Ref(*v), connector);
  if (!terminated.ok()) BB_LOG(kWarning) << "volume " << v->id << ": " << terminated.ToString();
  BB_FAILPOINT("unexport.volume.after_terminate_connection");
  ASSIGN_OR_RETURN(ExportUpdate none, driver_.RemoveExport(Ref(*v)));
  BB_FAILPOINT("unexport.volume.after_remove_export");
  if (v->provider_auth.empty() && v->provider_location == none.provider_location) {
    return Status::Ok();
  }
  VolumeChange change;
  change.provider_location = none.provider_location;
  change.provider_auth = "";
  return volumes_.UpdateExport(v->id, v->status, "export removed", change);
}

}  // namespace bb
