// ChooseBackupSource: which copy of a volume a backup reads, from the driver's capabilities.
//
// Preference, cheapest first, for a volume that is available or in-use (with force):
//   1. a temporary snapshot read through its local path (can_snapshot && snapshot_readable_locally)
//   2. a temporary clone read through its local path (can_clone && volume_readable_locally)
//   3. the volume itself, only when it is available: it then stays backing-up for the whole copy
//      so nobody can attach and write it while it is read.
// An in-use volume with neither snapshots nor clones is refused (FailedPrecondition), quoting the
// driver's reason: a file that is being written is never copied.
// A backup of a given snapshot reads that snapshot; the volume is not involved.
// Pure function; thread-safe.
#pragma once

#include <string>

#include "backup_service/common/result.h"
#include "backup_service/model/records.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

struct BackupSourcePlan {
  BackupSourceKind kind = BackupSourceKind::kNone;
  std::string reason;  // stored on the backup and logged
  // True when the volume can return to its previous status as soon as the temporary exists.
  bool releases_volume_early = false;
};

Result<BackupSourcePlan> ChooseBackupSource(const DriverCapabilities& caps,
                                            VolumeStatus volume_status);

// For a backup of a user's snapshot: read it through its local path. Drivers whose snapshots are
// only attachable (exported) get that path with the driver-SDK work; until then they are refused
// with FailedPrecondition, before anything changes.
Result<BackupSourcePlan> ChooseSnapshotBackupSource(const DriverCapabilities& caps);

}  // namespace bb
