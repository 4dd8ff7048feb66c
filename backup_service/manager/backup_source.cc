#include "backup_service/manager/backup_source.h"

namespace bb {
namespace {

std::string WhyNoSnapshot(const DriverCapabilities& caps) {
  return caps.no_snapshot_reason.empty() ? "" : " (" + caps.no_snapshot_reason + ")";
}

}  // namespace

std::string_view ToString(BackupAttach a) {
  switch (a) {
    case BackupAttach::kAuto:
      return "auto";
    case BackupAttach::kLocal:
      return "local";
    case BackupAttach::kRemote:
      return "remote";
  }
  return "auto";
}

std::optional<BackupAttach> ParseBackupAttach(std::string_view s) {
  for (auto a : {BackupAttach::kAuto, BackupAttach::kLocal, BackupAttach::kRemote}) {
    if (ToString(a) == s) return a;
  }
  return std::nullopt;
}

bool IsAttached(BackupSourceKind kind) {
  return kind == BackupSourceKind::kTempSnapshotAttached ||
         kind == BackupSourceKind::kTempCloneAttached ||
         kind == BackupSourceKind::kSnapshotAttached;
}

Result<BackupSourcePlan> ChooseBackupSource(const DriverCapabilities& caps,
                                            VolumeStatus volume_status, BackupAttach attach,
                                            bool use_temp_snapshot) {
  const bool local = attach != BackupAttach::kRemote;
  const bool remote = attach != BackupAttach::kLocal;
  const bool snapshots = caps.can_snapshot && use_temp_snapshot;
  const bool snapshot_local = snapshots && caps.snapshot_readable_locally;
  const bool snapshot_attached = snapshots && caps.snapshot_attachable;
  // A clone is read because the driver cannot snapshot, or because the operator said so.
  const bool operator_choice = caps.can_snapshot && !use_temp_snapshot;
  const std::string clone_why =
      operator_choice
          ? "backup_use_temp_snapshot = false: a temporary clone is read instead of a snapshot"
          : "the driver cannot snapshot" + WhyNoSnapshot(caps) + " but can clone";
  const bool clone_local = caps.can_clone && caps.volume_readable_locally;
  if (local && snapshot_local) {
    return BackupSourcePlan{BackupSourceKind::kTempSnapshotLocal,
                            "the driver makes point-in-time snapshots readable on this host; the "
                            "volume is released as soon as the snapshot exists",
                            true};
  }
  auto clone_plan = [&] {
    return BackupSourcePlan{BackupSourceKind::kTempCloneLocal,
                            clone_why + (caps.clone_is_cheap ? " cheaply" : "") +
                                "; the volume is released as soon as the clone exists",
                            true};
  };
  if (local && clone_local && caps.clone_is_cheap && !snapshot_attached) return clone_plan();
  if (remote && snapshot_attached) {
    std::string why =
        attach == BackupAttach::kRemote
            ? "backup_attach = remote: the temporary snapshot is exported and read through a "
              "connector"
            : "the driver's snapshots are not readable on this host but can be exported; the "
              "temporary snapshot is attached through a connector";
    return BackupSourcePlan{BackupSourceKind::kTempSnapshotAttached,
                            why + "; the volume is released as soon as the snapshot exists", true};
  }
  if (local && clone_local) return clone_plan();
  if (remote && caps.can_clone && caps.volume_attachable) {
    return BackupSourcePlan{
        BackupSourceKind::kTempCloneAttached,
        clone_why + (caps.clone_is_cheap ? " cheaply" : "") +
            (attach == BackupAttach::kRemote ? "; backup_attach = remote: the temporary clone is "
                                               "exported and read through a connector"
                                             : "; the temporary clone is exported and attached "
                                               "through a connector") +
            "; the volume is released as soon as the clone exists",
        true};
  }
  if (attach == BackupAttach::kRemote) {
    return Status::FailedPrecondition(
        "backup_attach = remote, but the volume driver can export neither snapshots" +
        (operator_choice ? std::string(" (backup_use_temp_snapshot = false)")
                         : WhyNoSnapshot(caps)) +
        " nor clones; set backup_attach = auto");
  }
  if (volume_status == VolumeStatus::kAvailable && caps.volume_readable_locally) {
    return BackupSourcePlan{
        BackupSourceKind::kVolumeDirect,
        std::string(operator_choice ? "backup_use_temp_snapshot = false and the driver "
                                      "cannot clone"
                                    : "the driver can neither snapshot nor clone") +
            "; the detached volume is read directly and stays backing-up "
            "until the copy ends",
        false};
  }
  std::string why = operator_choice
                        ? "backup_use_temp_snapshot = false, and the volume driver cannot clone "
                          "the volume; set backup_use_temp_snapshot = true"
                    : caps.no_consistent_copy_reason.empty()
                        ? "the volume driver can neither snapshot nor clone the volume"
                        : caps.no_consistent_copy_reason;
  if (volume_status == VolumeStatus::kInUse) {
    return Status::FailedPrecondition("cannot back up an in-use volume consistently: " + why +
                                      ". Detach the volume and back it up while it is available.");
  }
  return Status::FailedPrecondition("cannot read the volume on this host: " + why);
}

Result<BackupSourcePlan> ChooseSnapshotBackupSource(const DriverCapabilities& caps,
                                                    BackupAttach attach) {
  if (attach != BackupAttach::kRemote && caps.snapshot_readable_locally) {
    return BackupSourcePlan{BackupSourceKind::kSnapshotLocal,
                            "backup of a given snapshot: read through its local path; the volume "
                            "is not touched",
                            false};
  }
  if (attach != BackupAttach::kLocal && caps.snapshot_attachable) {
    return BackupSourcePlan{
        BackupSourceKind::kSnapshotAttached,
        std::string("backup of a given snapshot: exported and read through a connector (") +
            (attach == BackupAttach::kRemote ? "backup_attach = remote"
                                             : "not readable on this host") +
            "); the volume is not touched",
        false};
  }
  return Status::FailedPrecondition(
      "the volume driver can neither read snapshots on this host nor export them" +
      std::string(attach == BackupAttach::kAuto
                      ? ""
                      : " (backup_attach = " + std::string(ToString(attach)) + ")") +
      ", so a snapshot cannot be backed up here; back up the volume instead");
}

}  // namespace bb
