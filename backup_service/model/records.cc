#include "backup_service/model/records.h"

namespace bb {

std::string_view ToString(BackupSourceKind k) {
  switch (k) {
    case BackupSourceKind::kNone:
      return "";
    case BackupSourceKind::kVolumeDirect:
      return "volume";
    case BackupSourceKind::kTempSnapshotLocal:
      return "temp-snapshot-local";
    case BackupSourceKind::kTempCloneLocal:
      return "temp-clone-local";
    case BackupSourceKind::kSnapshotLocal:
      return "snapshot-local";
    case BackupSourceKind::kTempSnapshotAttached:
      return "temp-snapshot-attached";
    case BackupSourceKind::kTempCloneAttached:
      return "temp-clone-attached";
    case BackupSourceKind::kSnapshotAttached:
      return "snapshot-attached";
  }
  return "";
}

std::optional<BackupSourceKind> ParseBackupSourceKind(std::string_view s) {
  for (auto k : {BackupSourceKind::kNone, BackupSourceKind::kVolumeDirect,
                 BackupSourceKind::kTempSnapshotLocal, BackupSourceKind::kTempCloneLocal,
                 BackupSourceKind::kSnapshotLocal, BackupSourceKind::kTempSnapshotAttached,
                 BackupSourceKind::kTempCloneAttached, BackupSourceKind::kSnapshotAttached}) {
    if (ToString(k) == s) return k;
  }
  return std::nullopt;
}

}  // namespace bb
