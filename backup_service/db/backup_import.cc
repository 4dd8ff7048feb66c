// BackupRepository: the row of an imported backup. An import is the one way a backup row starts
// in `available` (see the note in backup_service/model/state_machine.cc): its data is already in
// the object store, written by another installation.
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/quota_repository.h"
#include "backup_service/db/sql_util.h"

namespace bb {
namespace {

Status IdUnused(pqxx::dbtransaction& txn, const std::string& id) {
  auto r = txn.exec_params("SELECT status FROM backups WHERE id = $1::uuid", id);
  if (r.empty()) return Status::Ok();
  return Status::AlreadyExists("backup " + id + " already exists in this installation (status " +
                               sql::Text(r[0][0]) + "); a backup id can be imported only once");
}

}  // namespace

Status BackupRepository::CheckIdUnused(const std::string& id) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) { return IdUnused(txn, id); });
}

Status BackupRepository::InsertImported(const Backup& b, const std::string& reason,
                                        bool check_quota) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    // An import consumes quota as a create does (Cinder's import_record reserves it too).
    if (check_quota) {
      RETURN_IF_ERROR(LockAndCheckBackupQuota(txn, b.project_id, b.size_gib, quota_defaults_));
    }
    RETURN_IF_ERROR(IdUnused(txn, b.id));
    Backup row = b;
    row.status = BackupStatus::kAvailable;
    bool parent_present = false;
    if (!row.parent_id.empty()) {
      // Only a parent of the same project counts: a record naming another project's backup
      // must neither link to it nor tell the caller that it exists.
      auto p = txn.exec_params("SELECT status FROM backups WHERE id = $1::uuid AND project_id = $2",
                               row.parent_id, row.project_id);
      parent_present = !p.empty();
      // The foreign key needs the parent row; a restore never needs the parent.
      if (!parent_present) row.parent_id.clear();
    }
    InsertRow(txn, row, reason);
    sql::SetClause set(2);
    set.Set("manifest_object", row.manifest_object);
    set.Set("object_count", std::to_string(row.object_count), "bigint");
    set.Set("stored_bytes", std::to_string(row.stored_bytes), "bigint");
    set.Set("source_reason", row.source_reason);
    set.SetFromMicros("data_timestamp", row.data_timestamp);
    if (row.created_at > 0) set.SetFromMicros("created_at", row.created_at);
    auto params = set.Params();
    txn.exec_params("UPDATE backups SET " + set.Sql() + " WHERE id = $1::uuid", row.id,
                    pqxx::prepare::make_dynamic_params(params));
    if (parent_present) {
      txn.exec_params(
          "UPDATE backups SET num_dependent_backups = num_dependent_backups + 1 "
          "WHERE id = $1::uuid AND status <> 'deleted'",
          row.parent_id);
    }
    return Status::Ok();
  });
}

}  // namespace bb
