// Delete backup: available|error (force: also error_deleting) -> deleting, then the worker removes
// the manifest and collects chunks no other manifest refers to, and the row becomes deleted.
// Backups are not chained (every manifest names all its chunks), so a backup others were made
// from can be deleted too: shared chunks stay as long as a manifest refers to them.
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/common/validation.h"
#include "backup_service/datapath/restore_job.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

Result<Backup> BackupManager::DeleteBackup(const std::string& project_id,
                                           const std::string& backup_id, bool force) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", backup_id));
  ASSIGN_OR_RETURN(Backup b, backups_.Get(backup_id, project_id));
  bool allowed = b.status == BackupStatus::kAvailable || b.status == BackupStatus::kError ||
                 (force && b.status == BackupStatus::kErrorDeleting);
  if (!allowed) {
    std::string hint = b.status == BackupStatus::kCreating
                           ? " (cancelling a running backup arrives with the crash-safety work)"
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

void BackupManager::RunDelete(Backup backup, JobHandle& job) {
  Status st = failpoint::Hit("delete.after_begin");
  job.SetPhase(JobPhase::kCleanup);
  if (st.ok() && !backup.manifest_object.empty()) {
    std::string container = StoreContainer(backup);
    // Exclusive: no backup into this container, on any daemon, may find a chunk "already
    // stored" while the collector decides that nobody refers to it.
    auto hold = HoldContainer(container, ContainerLockMode::kExclusive);
    st = hold.status();
    if (hold.ok()) {
      auto r = DeleteBackupData(store_, container, backup.manifest_object);
      st = r.status();
      if (r.ok()) {
        BB_LOG(kInfo) << "backup " << backup.id << " deleted: " << r->chunks_deleted
                      << " chunks collected";
      }
    }
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
  if (!backup.parent_id.empty()) (void)backups_.AddDependent(backup.parent_id, -1);
}

}  // namespace bb
