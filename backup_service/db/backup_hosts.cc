// BackupRepository: backups by the host that works on them: each host's unfinished work
// (`service list`) and the adoption of a gone host's work (`service takeover`).
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/sql_util.h"

namespace bb {

Result<std::map<std::string, UnfinishedWork>> BackupRepository::UnfinishedByHost() {
  std::map<std::string, UnfinishedWork> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    // Served by the partial index backups_host_status (deleted rows are not in it).
    auto rows = txn.exec(
        "SELECT host, status, count(*) FROM backups "
        "WHERE status IN ('creating', 'restoring', 'deleting') GROUP BY host, status");
    for (const auto& r : rows) {
      UnfinishedWork& work = out[sql::Text(r[0])];
      std::string status = sql::Text(r[1]);
      int64_t n = sql::Int(r[2]);
      if (status == "creating") work.creating = n;
      if (status == "restoring") work.restoring = n;
      if (status == "deleting") work.deleting = n;
    }
    return Status::Ok();
  }));
  return out;
}

Status BackupRepository::Adopt(const std::string& id, BackupStatus status,
                               const std::string& from_host) {
  std::string s(ToString(status));
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    auto r = txn.exec_params(
        "UPDATE backups SET host = $3, updated_at = now() "
        "WHERE id = $1::uuid AND status = $2 AND host = $4",
        id, s, host_, from_host);
    if (r.affected_rows() != 1) {
      return Status::FailedPrecondition("backup " + id + " is no longer " + s + " on host " +
                                        from_host);
    }
    RecordEvent(txn, "backup", id, s, s, "adopted from host " + from_host, host_);
    return Status::Ok();
  });
}

}  // namespace bb
