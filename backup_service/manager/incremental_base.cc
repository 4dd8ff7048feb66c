// Changed-extent incrementals in the backup manager (backup_service/datapath/README.md
// "Changed-extent incrementals"; schema/0009_incremental_base.sql):
//   - a v2 backup that read a temporary snapshot of a volume whose driver reports changed extents
//     keeps that snapshot as the volume's incremental base, in the transaction that makes the
//     backup available; the base it replaces is marked deleting there too, then removed;
//   - an incremental whose parent is the base's backup asks the driver (through the VolumeHost)
//     which bytes changed between the base and its own snapshot, and reads only those;
//   - restart cleanup removes superseded bases and bases whose backup is gone, and keeps a
//     valid one.
// Anything unusual (no base, another parent, another size, the driver cannot tell) falls back to
// reading everything, which is always correct.
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/manager/backup_manager.h"
#include "volume_drivers/extent_ranges.h"

namespace bb {

bool BackupManager::KeepsIncrementalBase(const Backup& backup, const BackupSourcePlan& plan) {
  if (!options_.changed_extent_incrementals || backup.storage_format != kStoragePackedV2 ||
      plan.kind != BackupSourceKind::kTempSnapshotLocal || backup.temp_snapshot_id.empty()) {
    return false;
  }
  auto caps = volumes_.Capabilities();
  return caps.ok() && caps->reports_changed_extents;
}

std::optional<std::vector<ByteRange>> BackupManager::ChangedSinceBase(
    const Backup& backup, const Backup* parent, const BackupSourcePlan& plan) {
  if (parent == nullptr || !KeepsIncrementalBase(backup, plan)) return std::nullopt;
  auto no = [&](const std::string& why) -> std::optional<std::vector<ByteRange>> {
    BB_LOG(kInfo) << "backup " << backup.id << " reads the whole volume: " << why;
    return std::nullopt;
  };
  if (parent->storage_format != kStoragePackedV2 ||
      StoreContainer(*parent) != StoreContainer(backup) || parent->size_gib != backup.size_gib) {
    return no("parent " + parent->id + " is not a v2 backup of this size in this container");
  }
  auto base = snapshot_records_.IncrementalBase(backup.volume_id);
  if (!base.ok()) return no("reading the incremental base: " + base.status().ToString());
  if (!*base) return no("volume " + backup.volume_id + " has no incremental base");
  if ((*base)->backup_id != parent->id) {
    return no("the incremental base holds backup " + (*base)->backup_id + ", not the parent " +
              parent->id);
  }
  const Snapshot& snap = (*base)->snapshot;
  auto changes = volumes_.ChangedExtents(snap.id, backup.temp_snapshot_id);
  if (!changes.ok()) return no("changed extents: " + changes.status().ToString());
  if (!changes->known) return no("the volume driver cannot tell what changed");
  BB_LOG(kInfo) << "backup " << backup.id << ": " << TotalBytes(changes->ranges) << " bytes in "
                << changes->ranges.size() << " ranges changed since base snapshot " << snap.id
                << " (backup " << parent->id << ")";
  return std::move(changes->ranges);
}

Status BackupManager::CommitKeepingBase(const Backup& backup, BackupChange& outcome,
                                        const std::string& reason) {
  BackupChange change = outcome;
  change.temp_snapshot_id = "";  // no longer a temporary to remove: the volume's base
  std::vector<std::string> superseded;
  Status st = PersistWithRetry("making backup " + backup.id + " available", [&]() -> Status {
    BB_FAILPOINT("create.before_db_available");
    auto r = backups_.MakeAvailableKeepingBase(backup.id, reason, change, backup.temp_snapshot_id,
                                               backup.volume_id);
    if (!r.ok()) return r.status();
    superseded = std::move(r).value();
    return Status::Ok();
  });
  if (!st.ok()) return st;
  outcome = change;
  BB_LOG(kInfo) << "backup " << backup.id << ": snapshot " << backup.temp_snapshot_id
                << " kept as the incremental base of volume " << backup.volume_id;
  // A kill here leaves the superseded base deleting: restart cleanup removes it.
  if (Status fp = failpoint::Hit("base.after_commit"); !fp.ok()) return Status::Ok();
  for (const std::string& id : superseded) {
    if (Status del = volumes_.DeleteTemporarySnapshot(id); !del.ok()) {
      BB_LOG(kWarning) << "superseded incremental base " << id
                       << " not removed yet (restart cleanup will): " << del.ToString();
    }
  }
  return Status::Ok();
}

void BackupManager::RemoveStaleBases(const std::string& host, RecoveryReport& report) {
  auto stale = snapshot_records_.StaleIncrementalBases(host);
  if (!stale.ok()) {
    report.problems.push_back("incremental bases: " + stale.status().ToString());
    return;
  }
  for (const IncrementalBaseRow& base : *stale) {
    const Snapshot& s = base.snapshot;
    if (Status st = volumes_.DeleteTemporarySnapshot(s.id); !st.ok()) {
      report.problems.push_back("incremental base " + s.id + ": " + st.ToString());
      continue;
    }
    ++report.temporaries_removed;
    BB_LOG(kWarning) << "recovery: removed incremental base " << s.id << " of volume "
                     << s.volume_id << " (" << ToString(s.status) << ", backup " << base.backup_id
                     << " superseded or gone)";
  }
}

}  // namespace bb
