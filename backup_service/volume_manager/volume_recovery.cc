// Restart-time cleanup of the volume and snapshot operations (create, delete, attach, detach,
// snapshot create/delete) that a crash interrupted on this host. The rule for each transitional
// status, and why, is beside its edges in model/state_machine.cc:
//   volume creating          -> error, driver volume removed
//   volume attaching         -> back to available (in-use if other attachments remain); the
//                               attaching device disconnected, found by the connector when its
//                               path was never recorded
//   volume detaching         -> the detach finished
//   volume deleting          -> the delete finished
//   volume backing-up        -> previous_status (only one no creating backup holds)
//   volume restoring-backup  -> error_restoring (only one no restoring backup holds)
//   snapshot creating        -> error, driver snapshot removed
//   snapshot deleting        -> the delete finished
//   snapshot backing-up      -> available (only one no creating backup holds)
// Every step is idempotent, so a crash during recovery is recovered by the next start.
//
// Whose cleanup is it (roles, README "Roles"): a volume-role daemon may restart while backup-role
// daemons on other hosts run backups and restores from its volumes. It therefore never decides
// that a backup was interrupted: a volume or snapshot held by a backup that is still `creating`
// (or a restore still `restoring`), whichever daemon runs it, is left as it is
// (ListNeedingRecovery skips it), and temporary snapshots and clones (is_temporary) are never
// touched here at all, nor their exports. They belong to the backup's own host: its job removes
// them, or, if that daemon died, its restart (BackupManager::RecoverHost, through the
// VolumeHostService) or an operator's `service takeover` of it. Only the backup host's host lock
// says whether the job is really gone, and that is the backup side's to read.
#include <algorithm>

#include "backup_service/common/log.h"
#include "backup_service/volume_manager/volume_manager.h"

namespace bb {

Result<int> VolumeManager::RollBackAttach(const Volume& v, const std::string& why) {
  ASSIGN_OR_RETURN(std::vector<Attachment> attachments, volumes_.ListAttachments(v.id));
  std::vector<Attachment> keep;
  std::vector<Attachment> undo;
  for (const auto& a : attachments) {
    (a.status == AttachmentStatus::kAttaching ? undo : keep).push_back(a);
  }
  // An attaching row never records its device (the path is written with attached, in the
  // transaction that ends the attach): every device backing the volume that a remaining
  // attachment does not record is this attach's, connected just before the crash.
  ASSIGN_OR_RETURN(std::vector<std::string> devices, UnrecordedDevices(v, keep));
  for (const auto& d : devices) {
    RETURN_IF_ERROR(DisconnectDevice(v, d));
    BB_LOG(kWarning) << "recovery: disconnected " << d << " left by the attach of volume " << v.id;
  }
  if (devices.empty()) RETURN_IF_ERROR(DisconnectDevice(v, ""));
  // Normally one attaching row: it goes with the transition; any other first.
  for (size_t i = 1; i < undo.size(); ++i) RETURN_IF_ERROR(volumes_.DeleteAttachment(undo[i].id));
  VolumeChange change;
  change.previous_status = std::optional<VolumeStatus>();
  if (!undo.empty()) {
    change.attachment = AttachmentChange{AttachmentChange::Kind::kDelete, undo[0]};
  }
  RETURN_IF_ERROR(volumes_.Transition(
      v.id, VolumeStatus::kAttaching,
      keep.empty() ? VolumeStatus::kAvailable : VolumeStatus::kInUse, why, change));
  return static_cast<int>(devices.size());
}

Status VolumeManager::FinishInterruptedDetach(const Volume& v, const std::string& why) {
  ASSIGN_OR_RETURN(std::vector<Attachment> attachments, volumes_.ListAttachments(v.id));
  // One detaching attachment per detaching volume: one transaction marked both.
  auto it = std::find_if(attachments.begin(), attachments.end(), [](const Attachment& a) {
    return a.status == AttachmentStatus::kDetaching;
  });
  if (it == attachments.end()) return FinishDetach(v, "", why);
  RETURN_IF_ERROR(DisconnectDevice(v, it->device));
  return FinishDetach(v, it->id, why);
}

Result<VolumeRecoveryReport> VolumeManager::RecoverHost() {
  const std::string why = "interrupted: backupd on " + host_ + " stopped during it";
  VolumeRecoveryReport report;
  ASSIGN_OR_RETURN(std::vector<Volume> volumes, volumes_.ListNeedingRecovery(host_));
  for (const Volume& v : volumes) {
    Status st;
    switch (v.status) {
      case VolumeStatus::kCreating:
        st = FailCreate(v, "create " + why);
        break;
      case VolumeStatus::kAttaching: {
        auto n = RollBackAttach(v, "attach " + why + "; rolled back");
        if (n.ok()) report.devices_disconnected += *n;
        st = n.status();
        break;
      }
      case VolumeStatus::kDetaching:
        st = FinishInterruptedDetach(v, "detach " + why + "; finished");
        break;
      case VolumeStatus::kDeleting:
        st = RemoveIncrementalBases(v.id);
        if (st.ok()) st = driver_.DeleteVolume(Ref(v));
        if (st.ok()) {
          st = volumes_.Remove(v.id, VolumeStatus::kDeleting, "delete " + why + "; finished");
        }
        break;
      case VolumeStatus::kBackingUp: {
        VolumeChange change;
        change.previous_status = std::optional<VolumeStatus>();
        VolumeStatus back = v.previous_status == VolumeStatus::kInUse ? VolumeStatus::kInUse
                                                                      : VolumeStatus::kAvailable;
        st = volumes_.Transition(v.id, VolumeStatus::kBackingUp, back,
                                 "no backup holds it any more", change);
        break;
      }
      case VolumeStatus::kRestoringBackup:
        // A restore may have exported it to the backup host: removed first (idempotent).
        st = UnexportVolume(v.id, HostConnector());
        if (st.ok()) {
          st = volumes_.Transition(v.id, VolumeStatus::kRestoringBackup,
                                   VolumeStatus::kErrorRestoring, "no restore holds it any more");
        }
        break;
      default:
        continue;
    }
    if (st.ok()) {
      ++report.volumes_recovered;
      BB_LOG(kWarning) << "recovery: volume " << v.id << " was " << ToString(v.status);
    } else {
      report.problems.push_back("volume " + v.id + " (" + std::string(ToString(v.status)) +
                                "): " + st.ToString());
    }
  }
  ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, snapshots_.ListNeedingRecovery(host_));
  for (const Snapshot& s : snapshots) {
    Status st;
    switch (s.status) {
      case SnapshotStatus::kCreating:
        st = FailSnapshotCreate(s, "create " + why);
        break;
      case SnapshotStatus::kDeleting:
        st = driver_.DeleteSnapshot(Ref(s));
        if (st.ok())
          st = snapshots_.Remove(s.id, SnapshotStatus::kDeleting, "delete " + why + "; finished");
        break;
      case SnapshotStatus::kBackingUp:
        // A backup may have exported it to the backup host: removed first (idempotent).
        st = UnexportSnapshot(s.id, HostConnector());
        if (st.ok()) {
          st = snapshots_.Transition(s.id, SnapshotStatus::kBackingUp, SnapshotStatus::kAvailable,
                                     "no backup holds it any more");
        }
        break;
      default:
        continue;
    }
    if (st.ok()) {
      ++report.snapshots_recovered;
      BB_LOG(kWarning) << "recovery: snapshot " << s.id << " was " << ToString(s.status);
    } else {
      report.problems.push_back("snapshot " + s.id + " (" + std::string(ToString(s.status)) +
                                "): " + st.ToString());
    }
  }
  BB_LOG(kInfo) << "recovery of volume operations on " << host_ << ": " << report.volumes_recovered
                << " volumes, " << report.snapshots_recovered << " snapshots, "
                << report.devices_disconnected << " devices disconnected, "
                << report.problems.size() << " problems";
  for (const auto& p : report.problems) BB_LOG(kError) << "recovery: " << p;
  return report;
}

}  // namespace bb
