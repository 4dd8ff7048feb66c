// Delete backup: available|error (force: also error_deleting, and creating, which cancels the
// running backup: cancel_backup.cc) -> deleting, then the worker gives back what a cancelled
// backup may still hold, removes the manifest and collects chunks no other manifest refers to,
// and the row becomes deleted. Backups are not chained (every manifest names all its chunks), so
// a backup others were made from can be deleted too: shared chunks stay as long as a manifest
// refers to them. The volume's incremental base, when it holds the backup, goes first.
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/restore_job.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

// The volume's incremental base holds the data of `backup`, which is being deleted: no
// incremental can use it any more (its parent must be available), so it is removed at once,
// whether or not the delete then succeeds, rather than at the next restart's cleanup
// (RemoveStaleBases), which still catches a failure here. A concurrent removal (the base
// superseded meanwhile) only logs.
void RemoveBaseOfDeleted(SnapshotRepository& snapshots, VolumeHost& volumes, const Backup& backup) {
  auto base = snapshots.IncrementalBase(backup.volume_id);
  if (!base.ok() || !*base || (*base)->backup_id != backup.id) return;
  const std::string& id = (*base)->snapshot.id;
  if (Status st = volumes.DeleteTemporarySnapshot(id); !st.ok()) {
    BB_LOG(kWarning) << "incremental base " << id << " of deleted backup " << backup.id
                     << " not removed yet (restart cleanup will): " << st.ToString();
    return;
  }
  BB_LOG(kInfo) << "incremental base " << id << " of volume " << backup.volume_id
                << " removed with the delete of its backup " << backup.id;
}

}  // namespace

Result<Backup> BackupManager::DeleteBackup(const std::string& project_id,
                                           const std::string& backup_id, bool force) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", backup_id));
  // A backup whose job ends (creating -> available|error) between the read and the cancel's
  // compare-and-swap is read once more and deleted as what it has become.
  for (int attempt = 1;; ++attempt) {
    ASSIGN_OR_RETURN(Backup b, backups_.Get(backup_id, project_id));
    if (b.status == BackupStatus::kCreating && force) {
      auto cancelled = CancelCreate(b);
      if (cancelled.ok() || attempt > 1 ||
          cancelled.status().code() != StatusCode::kFailedPrecondition) {
        return cancelled;
      }
      continue;
    }
    bool allowed = b.status == BackupStatus::kAvailable || b.status == BackupStatus::kError ||
                   (force && b.status == BackupStatus::kErrorDeleting);
    if (!allowed) {
      std::string hint = b.status == BackupStatus::kCreating
                             ? " (the operator's force delete cancels a running backup)"
                             : "";
      return Status::FailedPrecondition("Backup status must be available or error, but it is " +
                                        std::string(ToString(b.status)) + hint);
    }
    RETURN_IF_ERROR(backups_.Transition(b.id, b.status, BackupStatus::kDeleting,
                                        force ? "force delete requested" : "delete requested"));
    ASSIGN_OR_RETURN(b, backups_.Get(b.id));
    SubmitJob(b.id, JobOperation::kDelete, [this, b](JobHandle& job) { RunDelete(b, job); });
    return b;
  }
}

void BackupManager::RunDelete(Backup backup, JobHandle& job, bool data_written) {
  Status st = failpoint::Hit("delete.after_begin");
  job.SetPhase(JobPhase::kCleanup);
  RemoveBaseOfDeleted(snapshot_records_, volumes_, backup);
  // A backup that never finished was cancelled while creating: after a crash of its job it may
  // still hold its volume (backing-up) or snapshot, and record temporaries. Those go back even
  // when the delete itself fails (as in a failed backup's own cleanup): an error_deleting backup
  // waiting for another delete must not keep a volume backing-up or a temporary snapshot.
  Status released = Status::Ok();
  if (backup.finished_at == 0) {
    released = ReleaseHeldSource(backup, "backup " + backup.id + " cancelled by a force delete");
  }
  if (released.ok() && (!backup.temp_snapshot_id.empty() || !backup.temp_volume_id.empty())) {
    BackupChange cleared;
    bool all_removed = RemoveTemporaries(backup, cleared);
    released = backups_.Update(backup.id, BackupStatus::kDeleting, "temporaries removed", cleared);
    if (released.ok() && !all_removed) {
      released =
          Status::Unavailable("a temporary snapshot/clone could not be removed (see the log)");
    }
  }
  if (st.ok()) st = released;
  if (st.ok() && !backup.manifest_object.empty()) {
    std::string container = StoreContainer(backup);
    // v1: exclusive for the whole collection: no backup into this container, on any daemon, may
    // find a chunk "already stored" while the collector decides that nobody refers to it. v2:
    // the collector holds the container exclusive only for its fence (v2_collection.cc).
    Result<std::unique_ptr<ContainerHold>> hold = std::unique_ptr<ContainerHold>();
    if (backup.storage_format != kStoragePackedV2) {
      hold = HoldContainer(container, ContainerLockMode::kExclusive);
    }
    st = hold.status();
    if (hold.ok()) {
      // The manifest goes first (the backup is unrestorable before anything it used goes),
      // then the collection of the backup's own format: v1 chunks, or v2 packs no surviving
      // manifest uses (indexes naming them are rewritten first).
      st = store_.Delete(container, backup.manifest_object)
               .WithContext("delete " + backup.manifest_object);
      if (st.ok()) st = failpoint::Hit("delete.after_manifest_removed");
      Result<int64_t> r = st;
      if (st.ok()) {
        // The manifest is gone, so the backup is deleted whatever follows: a PostgreSQL outage
        // (v2's collector takes its locks only now) is waited out rather than failing the
        // delete. A collection stopped halfway is safe to run again (datapath README).
        if (options_.collect_on_delete) {
          (void)PersistWithRetry("collecting " + container + " after deleting " + backup.id, [&] {
            r = CollectContainer(container, backup.storage_format);
            return r.status();
          });
        } else {
          r = int64_t{0};  // collect_on_delete = false: `backupctl gc` collects later
        }
      }
      st = r.status();
      if (r.ok()) {
        BB_LOG(kInfo) << "backup " << backup.id << " deleted (" << backup.storage_format
                      << "): " << *r
                      << (backup.storage_format == kStoragePackedV2 ? " packs" : " chunks")
                      << (options_.collect_on_delete
                              ? " collected"
                              : " collected (collect_on_delete = false: backupctl gc collects)");
      }
    }
  } else if (st.ok() && data_written && backup.finished_at == 0) {
    // Cancelled while creating: no manifest recorded, but its job may have written one, and
    // chunks. (A backup that failed discarded them itself before becoming error.)
    st = DiscardStoredData(backup, /*wait_for_container=*/true).status();
  }
  BackupChange change;
  if (!st.ok()) {
    change.fail_reason = "delete failed: " + st.message();
    st = PersistWithRetry("failing the delete of " + backup.id, [&] {
      return backups_.Transition(backup.id, BackupStatus::kDeleting, BackupStatus::kErrorDeleting,
                                 st.message(), change);
    });
    if (!st.ok()) BB_LOG(kError) << "delete " << backup.id << ": " << st.ToString();
    return;
  }
  change.set_deleted_now = true;
  st = PersistWithRetry("marking backup " + backup.id + " deleted", [&] {
    BB_FAILPOINT("delete.before_db_deleted");
    return backups_.Transition(backup.id, BackupStatus::kDeleting, BackupStatus::kDeleted,
                               "backup data removed", change);
  });
  if (!st.ok()) BB_LOG(kError) << "delete " << backup.id << ": " << st.ToString();
  // Only a backup that became available was counted as its parent's dependent.
  if (st.ok() && !backup.parent_id.empty() && !backup.manifest_object.empty()) {
    (void)backups_.AddDependent(backup.parent_id, -1);
  }
}

}  // namespace bb
