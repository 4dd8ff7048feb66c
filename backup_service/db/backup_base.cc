// BackupRepository::MakeAvailableKeepingBase: a backup's commit that also makes its temporary
// snapshot the volume's incremental base (schema/0009_incremental_base.sql).
#include <stdexcept>

#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/sql_util.h"

namespace bb {

Result<std::vector<std::string>> BackupRepository::MakeAvailableKeepingBase(
    const std::string& id, const std::string& reason, const BackupChange& change,
    const std::string& snapshot_id, const std::string& volume_id) {
  std::vector<std::string> superseded;
  Status st = Apply(
      id, BackupStatus::kCreating, BackupStatus::kAvailable, reason, change,
      [&](pqxx::dbtransaction& txn) {
        superseded.clear();  // the transaction may be retried
        // The old base first: the unique index allows one live base per volume.
        auto old = txn.exec_params(
            "UPDATE snapshots SET status = 'deleting', updated_at = now() WHERE "
            "volume_id = $1::uuid AND incremental_base_of IS NOT NULL AND status = "
            "'available' AND id <> $2::uuid RETURNING id::text",
            volume_id, snapshot_id);
        for (const auto& r : old) {
          superseded.push_back(sql::Text(r[0]));
          RecordEvent(txn, "snapshot", superseded.back(), "available", "deleting",
                      "incremental base superseded by backup " + id, host_);
        }
        auto kept = txn.exec_params(
            "UPDATE snapshots SET incremental_base_of = $2::uuid, updated_at = "
            "now() WHERE id = $1::uuid AND volume_id = $3::uuid AND is_temporary "
            "AND status = 'available'",
            snapshot_id, id, volume_id);
        // Rolls the whole commit back (InTransaction: Internal).
        if (kept.affected_rows() != 1) {
          throw std::runtime_error("snapshot " + snapshot_id +
                                   " is not an available temporary snapshot of "
                                   "volume " +
                                   volume_id);
        }
        RecordEvent(txn, "snapshot", snapshot_id, "available", "available",
                    "kept as the incremental base of volume " + volume_id + " (backup " + id + ")",
                    host_);
      });
  if (!st.ok()) return st;
  return superseded;
}

}  // namespace bb
