// BackupRepository: operator actions that are not part of a job: reset-status (the backup and
// what it holds, in one transaction), giving back what a cancelled backup held, and
// name/description updates.
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/sql_util.h"
#include "backup_service/model/state_machine.h"

namespace bb {

Status BackupRepository::Reset(const std::string& id, BackupStatus from, BackupStatus to,
                               const std::string& reason, const BackupChange& change,
                               const std::optional<VolumeRelease>& volume,
                               const std::optional<SnapshotRelease>& snapshot) {
  if (!IsLegalReset(from, to)) {
    return Status::Internal("illegal backup reset " + std::string(ToString(from)) + " -> " +
                            std::string(ToString(to)));
  }
  if (volume && !IsLegalTransition(volume->from, volume->to)) {
    return Status::Internal("illegal volume release " + std::string(ToString(volume->from)) +
                            " -> " + std::string(ToString(volume->to)));
  }
  if (snapshot && !IsLegalTransition(snapshot->from, snapshot->to)) {
    return Status::Internal("illegal snapshot release");
  }
  RETURN_IF_ERROR(Apply(id, from, to, reason, change, [&](pqxx::dbtransaction& txn) {
    ReleaseInTransaction(txn, id, reason, volume, snapshot);
  }));
  return Status::Ok();
}

Status BackupRepository::ReleaseHeld(const std::string& id, const std::string& reason,
                                     const std::optional<VolumeRelease>& volume,
                                     const std::optional<SnapshotRelease>& snapshot) {
  if (volume && !IsLegalTransition(volume->from, volume->to)) {
    return Status::Internal("illegal volume release " + std::string(ToString(volume->from)) +
                            " -> " + std::string(ToString(volume->to)));
  }
  if (snapshot && !IsLegalTransition(snapshot->from, snapshot->to)) {
    return Status::Internal("illegal snapshot release");
  }
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    ReleaseInTransaction(txn, id, reason, volume, snapshot);
    return Status::Ok();
  });
}

void BackupRepository::ReleaseInTransaction(pqxx::dbtransaction& txn, const std::string& id,
                                            const std::string& reason,
                                            const std::optional<VolumeRelease>& volume,
                                            const std::optional<SnapshotRelease>& snapshot) {
  if (volume) {
    // Another backup being created from the volume may be the one holding it.
    auto r = txn.exec_params(
        "UPDATE volumes SET status = $3, previous_status = NULL, updated_at = now() "
        "WHERE id = $1::uuid AND status = $2 AND NOT EXISTS (SELECT 1 FROM backups o "
        "WHERE o.volume_id = $1::uuid AND o.status = 'creating' AND o.id <> $4::uuid "
        "AND o.snapshot_id IS NULL)",
        volume->volume_id, std::string(ToString(volume->from)), std::string(ToString(volume->to)),
        id);
    if (r.affected_rows() == 1) {
      RecordEvent(txn, "volume", volume->volume_id, std::string(ToString(volume->from)),
                  std::string(ToString(volume->to)), reason, host_);
    }
  }
  if (snapshot) {
    // Likewise for a snapshot that another backup has been reading since.
    auto r = txn.exec_params(
        "UPDATE snapshots SET status = $3, updated_at = now() "
        "WHERE id = $1::uuid AND status = $2 AND NOT EXISTS (SELECT 1 FROM backups o "
        "WHERE o.snapshot_id = $1::uuid AND o.status = 'creating' AND o.id <> $4::uuid)",
        snapshot->snapshot_id, std::string(ToString(snapshot->from)),
        std::string(ToString(snapshot->to)), id);
    if (r.affected_rows() == 1) {
      RecordEvent(txn, "snapshot", snapshot->snapshot_id, std::string(ToString(snapshot->from)),
                  std::string(ToString(snapshot->to)), reason, host_);
    }
  }
}

Result<Backup> BackupRepository::UpdateInfo(const std::string& id, const std::string& project_id,
                                            const std::optional<std::string>& name,
                                            const std::optional<std::string>& description) {
  bool found = false;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto r = txn.exec_params(
        "UPDATE backups SET name = CASE WHEN $3 THEN $4 ELSE name END, "
        "description = CASE WHEN $5 THEN $6 ELSE description END, updated_at = now() "
        "WHERE id = $1::uuid AND project_id = $2 AND status <> 'deleted'",
        id, project_id, name.has_value(), name.value_or(""), description.has_value(),
        description.value_or(""));
    found = r.affected_rows() == 1;
    return Status::Ok();
  }));
  if (!found) return Status::NotFound("backup " + id + " not found");
  return Get(id, project_id);
}

}  // namespace bb
