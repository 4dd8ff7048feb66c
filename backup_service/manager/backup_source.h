// ChooseBackupSource: which copy of a volume a backup reads, and how, from the driver's
// capabilities (data, never a trial call) and the operator's backup_attach setting.
//
// Preference, cheapest first, for a volume that is available or in-use (with force):
//   1. a temporary snapshot read through its local path (can_snapshot && snapshot_readable_locally)
//   2. a temporary clone read through its local path, when cloning is cheap (reflink, thin)
//   3. a temporary snapshot exported and attached through a connector (can_snapshot &&
//      snapshot_attachable): read over the network, but nothing is copied first
//   4. a temporary clone read through its local path, when cloning copies the data
//   5. a temporary clone exported and attached through a connector (can_clone &&
//      volume_attachable)
//   6. the volume itself, only when it is available: it then stays backing-up for the whole copy
//      so nobody can attach and write it while it is read.
// backup_attach = local never takes 3 or 5; remote takes only 3 or 5 (the remote-attach path,
// forced by an operator or a test even when a local path exists) and refuses when the driver
// exports neither snapshots nor clones. An in-use volume with no consistent copy is refused
// (FailedPrecondition), quoting the driver's reason: a file that is being written is never copied.
// use_temp_snapshot = false (config backup_use_temp_snapshot, Cinder's option of that name) takes
// neither 1 nor 3: the backup reads a temporary clone even when the driver can snapshot (an
// operator's choice, e.g. when snapshots of a busy volume cost more than a copy, or to keep
// snapshot space free); a driver that cannot clone then falls back to 6 or a refusal that says so.
// A backup of a given snapshot reads that snapshot: locally, or through its export.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"
#include "backup_service/model/records.h"
#include "volume_drivers/volume_driver.h"

namespace bb {

// Config backup_attach.
enum class BackupAttach { kAuto, kLocal, kRemote };
std::string_view ToString(BackupAttach a);
std::optional<BackupAttach> ParseBackupAttach(std::string_view s);

struct BackupSourcePlan {
  BackupSourceKind kind = BackupSourceKind::kNone;
  std::string reason;  // stored on the backup and logged
  // True when the volume can return to its previous status as soon as the temporary exists.
  bool releases_volume_early = false;
};

// True for the kinds read through an export and a connector.
bool IsAttached(BackupSourceKind kind);

Result<BackupSourcePlan> ChooseBackupSource(const DriverCapabilities& caps,
                                            VolumeStatus volume_status,
                                            BackupAttach attach = BackupAttach::kAuto,
                                            bool use_temp_snapshot = true);

// For a backup of a user's snapshot: its local path, else its export (remote: the export only).
// FailedPrecondition, before anything changes, when the driver offers neither.
Result<BackupSourcePlan> ChooseSnapshotBackupSource(const DriverCapabilities& caps,
                                                    BackupAttach attach = BackupAttach::kAuto);

}  // namespace bb
