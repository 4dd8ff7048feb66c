// QuotaRepository: SQL for backup quotas (schema/0008_quotas.sql). Limits are the project's rows
// or the daemon's defaults; usage is counted from the backups table (model/quotas.h says what
// counts). Atomicity: every transaction that inserts a backup row first calls LockAndCheck,
// which takes a per-project advisory lock held until commit and then counts; a second insert
// of the same project waits for the first to commit and then counts its row (READ COMMITTED:
// each statement sees what committed before it started). So N parallel creates against a quota
// of K leave exactly K rows. Limit changes take the same lock, so a limit can never be set
// below a usage that a concurrent create is about to raise.
// Thread-safety: stateless over Database; safe to use concurrently.
#pragma once

#include <string>

#include "backup_service/common/result.h"
#include "backup_service/db/database.h"
#include "backup_service/model/quotas.h"

namespace pqxx {
class dbtransaction;
}  // namespace pqxx

namespace bb {

// Inside the caller's transaction (before it inserts a backup of `size_gib` for `project_id`):
// the project's quota lock, then CheckBackupQuota. ResourceExhausted (Cinder's message) when
// the backup does not fit; the caller's transaction must then roll back.
Status LockAndCheckBackupQuota(pqxx::dbtransaction& txn, const std::string& project_id,
                               int64_t size_gib, const QuotaLimits& defaults);

class QuotaRepository {
 public:
  QuotaRepository(Database& db, QuotaLimits defaults) : db_(db), defaults_(defaults) {}

  const QuotaLimits& defaults() const { return defaults_; }
  // The project's limits (its rows, else the defaults) and current usage.
  Result<ProjectQuota> Get(const std::string& project_id);
  // Sets the given limits under the project's quota lock. InvalidArgument (Cinder's message,
  // nothing written) when a new limit is below the current usage; -1 is always accepted.
  Result<ProjectQuota> Update(const std::string& project_id, const QuotaUpdate& update);
  // Removes the project's rows: its limits are the defaults again.
  Status Reset(const std::string& project_id);

 private:
  Database& db_;
  QuotaLimits defaults_;
};

}  // namespace bb
