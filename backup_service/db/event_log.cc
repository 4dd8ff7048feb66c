#include "backup_service/db/event_log.h"

#include "backup_service/db/sql_util.h"

namespace bb {

void RecordEvent(pqxx::dbtransaction& txn, const std::string& resource_type,
                 const std::string& resource_id, const std::string& from_status,
                 const std::string& to_status, const std::string& reason, const std::string& host) {
  txn.exec_params(
      "INSERT INTO events (resource_type, resource_id, from_status, to_status, reason, host) "
      "VALUES ($1, $2::uuid, $3, $4, $5, $6)",
      resource_type, resource_id, from_status, to_status, reason.substr(0, 1000), host);
}

Result<std::vector<EventRecord>> ListEvents(Database& db, const std::string& resource_type,
                                            const std::string& resource_id) {
  std::vector<EventRecord> out;
  Status st = db.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params(
        "SELECT id, resource_type, resource_id::text, from_status, to_status, reason, host "
        "FROM events WHERE resource_type = $1 AND resource_id = $2::uuid ORDER BY id",
        resource_type, resource_id);
    for (const auto& r : rows) {
      out.push_back({sql::Int(r[0]), sql::Text(r[1]), sql::Text(r[2]), sql::Text(r[3]),
                     sql::Text(r[4]), sql::Text(r[5]), sql::Text(r[6])});
    }
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace bb
