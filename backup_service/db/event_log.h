// Event rows: one per status transition, written in the same transaction as the compare-and-swap
// so the history and the state can never disagree. Internal to backup_service/db.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "backup_service/common/result.h"
#include "backup_service/db/database.h"

namespace bb {

void RecordEvent(pqxx::dbtransaction& txn, const std::string& resource_type,
                 const std::string& resource_id, const std::string& from_status,
                 const std::string& to_status, const std::string& reason, const std::string& host);

struct EventRecord {
  int64_t id = 0;
  std::string resource_type;
  std::string resource_id;
  std::string from_status;
  std::string to_status;
  std::string reason;
  std::string host;
};

// History of one resource, oldest first (operators' audit trail, tests).
Result<std::vector<EventRecord>> ListEvents(Database& db, const std::string& resource_type,
                                            const std::string& resource_id);

}  // namespace bb
