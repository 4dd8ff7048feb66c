// BackupRepository: the first steps that change two aggregates at once, each in ONE
// transaction so a crash can never leave the volume marked without the backup that explains it.
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/quota_repository.h"
#include "backup_service/db/sql_util.h"

namespace bb {

Status BackupRepository::BeginBackup(const Backup& b, VolumeStatus volume_from) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    // The quota lock first: every backup insert takes it before any row lock.
    RETURN_IF_ERROR(LockAndCheckBackupQuota(txn, b.project_id, b.size_gib, quota_defaults_));
    auto r = txn.exec_params(
        "UPDATE volumes SET status = 'backing-up', previous_status = $2, updated_at = now() "
        "WHERE id = $1::uuid AND status = $2",
        b.volume_id, std::string(ToString(volume_from)));
    if (r.affected_rows() != 1) {
      return sql::CasFailure(txn, sql::kVolume, b.volume_id, ToString(volume_from));
    }
    RecordEvent(txn, "volume", b.volume_id, std::string(ToString(volume_from)), "backing-up",
                "backup " + b.id, host_);
    Backup row = b;
    row.status = BackupStatus::kCreating;
    InsertRow(txn, row, "backup of volume " + b.volume_id);
    return Status::Ok();
  });
}

Status BackupRepository::BeginSnapshotBackup(const Backup& b) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    RETURN_IF_ERROR(LockAndCheckBackupQuota(txn, b.project_id, b.size_gib, quota_defaults_));
    auto r = txn.exec_params(
        "UPDATE snapshots SET status = 'backing-up', updated_at = now() "
        "WHERE id = $1::uuid AND volume_id = $2::uuid AND status = 'available' "
        "AND NOT is_temporary",
        b.snapshot_id, b.volume_id);
    if (r.affected_rows() != 1) {
      return sql::CasFailure(txn, sql::kSnapshot, b.snapshot_id, "available");
    }
    RecordEvent(txn, "snapshot", b.snapshot_id, "available", "backing-up", "backup " + b.id, host_);
    Backup row = b;
    row.status = BackupStatus::kCreating;
    InsertRow(txn, row, "backup of snapshot " + b.snapshot_id);
    return Status::Ok();
  });
}

Status BackupRepository::BeginRestore(const std::string& backup_id, const std::string& volume_id,
                                      VolumeStatus volume_from, bool volume_created) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    auto v = txn.exec_params(
        "UPDATE volumes SET status = 'restoring-backup', updated_at = now() "
        "WHERE id = $1::uuid AND status = $2",
        volume_id, std::string(ToString(volume_from)));
    if (v.affected_rows() != 1) {
      auto cur = txn.exec_params("SELECT status FROM volumes WHERE id = $1::uuid", volume_id);
      if (cur.empty()) return Status::NotFound("volume " + volume_id + " not found");
      return Status::FailedPrecondition("volume " + volume_id +
                                        " must be available to restore "
                                        "into, but it is " +
                                        sql::Text(cur[0][0]));
    }
    if (volume_from != VolumeStatus::kRestoringBackup) {
      RecordEvent(txn, "volume", volume_id, std::string(ToString(volume_from)), "restoring-backup",
                  "restore of backup " + backup_id, host_);
    }
    auto b = txn.exec_params(
        // bytes_done restarts: during the restore the counters are the restore's progress, and
        // a watcher on another daemon reads them from this row.
        "UPDATE backups SET status = 'restoring', restore_volume_id = $2::uuid, bytes_done = 0, "
        "restore_volume_created = $3, updated_at = now() "
        "WHERE id = $1::uuid AND status = 'available'",
        backup_id, volume_id, volume_created);
    if (b.affected_rows() != 1) {
      auto cur = txn.exec_params("SELECT status FROM backups WHERE id = $1::uuid", backup_id);
      if (cur.empty()) return Status::NotFound("backup " + backup_id + " not found");
      return Status::FailedPrecondition("Backup status must be available, but it is " +
                                        sql::Text(cur[0][0]));
    }
    RecordEvent(txn, "backup", backup_id, "available", "restoring",
                "restore to volume " + volume_id, host_);
    return Status::Ok();
  });
}

}  // namespace bb
