// Allocated extents in the backup manager: a backup that reads a snapshot (temporary or given)
// of a volume whose driver reports allocated extents asks for them first, and its reader then
// skips everything else as known zero (SourceAttachment::LimitReadsTo). A thin LV holding 64 MiB
// of a 1 GiB volume is read as 64 MiB, through its local path or an export alike. Anything
// unusual (no capability, known = false, an error) reads everything, which is always correct.
#include "backup_service/common/log.h"
#include "backup_service/manager/backup_manager.h"
#include "volume_drivers/extent_ranges.h"

namespace bb {

void BackupManager::LimitToAllocatedExtents(const Backup& backup, const BackupSourcePlan& plan,
                                            SourceAttachment& source) {
  std::string snapshot_id;
  switch (plan.kind) {
    case BackupSourceKind::kTempSnapshotLocal:
    case BackupSourceKind::kTempSnapshotAttached:
      snapshot_id = backup.temp_snapshot_id;
      break;
    case BackupSourceKind::kSnapshotLocal:
    case BackupSourceKind::kSnapshotAttached:
      snapshot_id = backup.snapshot_id;
      break;
    default:
      return;  // a clone or the volume itself: no snapshot to ask about
  }
  auto caps = volumes_.Capabilities();
  if (snapshot_id.empty() || !caps.ok() || !caps->reports_allocated_extents) return;
  auto allocated = volumes_.AllocatedExtents(snapshot_id);
  if (!allocated.ok() || !allocated->known) {
    BB_LOG(kInfo) << "backup " << backup.id << " reads all of snapshot " << snapshot_id << ": "
                  << (allocated.ok() ? "the volume driver cannot tell what is allocated"
                                     : "allocated extents: " + allocated.status().ToString());
    return;
  }
  BB_LOG(kInfo) << "backup " << backup.id << ": " << TotalBytes(allocated->ranges) << " bytes in "
                << allocated->ranges.size() << " ranges allocated in snapshot " << snapshot_id
                << "; the rest is read as zero without reading it";
  source.LimitReadsTo(std::move(allocated->ranges));
}

}  // namespace bb
