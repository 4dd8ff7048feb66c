// QuotaRepository and the check that backup inserts run in their own transaction.
#include "backup_service/db/quota_repository.h"

#include <pqxx/pqxx>

#include "backup_service/db/sql_util.h"

namespace bb {
namespace {

// Namespaced like the container and host locks ('bb-container:', 'bb-host:').
void LockProject(pqxx::dbtransaction& txn, const std::string& project_id) {
  txn.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('bb-quota:' || $1, 0))",
                  project_id);
}

ProjectQuota ReadQuota(pqxx::dbtransaction& txn, const std::string& project_id,
                       const QuotaLimits& defaults) {
  auto r = txn.exec_params(
      "SELECT "
      "COALESCE((SELECT hard_limit FROM project_quotas WHERE project_id = $1 "
      "AND resource = 'backups'), $2::bigint), "
      "COALESCE((SELECT hard_limit FROM project_quotas WHERE project_id = $1 "
      "AND resource = 'backup_gigabytes'), $3::bigint), "
      "count(b.id), COALESCE(sum(b.size_gib), 0) "
      "FROM backups b WHERE b.project_id = $1 AND b.status <> 'deleted'",
      project_id, defaults.backups, defaults.backup_gigabytes);
  ProjectQuota q;
  q.limits.backups = sql::Int(r[0][0]);
  q.limits.backup_gigabytes = sql::Int(r[0][1]);
  q.in_use.backups = sql::Int(r[0][2]);
  q.in_use.backup_gigabytes = sql::Int(r[0][3]);
  return q;
}

void Upsert(pqxx::dbtransaction& txn, const std::string& project_id, const char* resource,
            int64_t limit) {
  txn.exec_params(
      "INSERT INTO project_quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3) "
      "ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit, "
      "updated_at = now()",
      project_id, std::string(resource), limit);
}

}  // namespace

Status LockAndCheckBackupQuota(pqxx::dbtransaction& txn, const std::string& project_id,
                               int64_t size_gib, const QuotaLimits& defaults) {
  LockProject(txn, project_id);
  ProjectQuota q = ReadQuota(txn, project_id, defaults);
  return CheckBackupQuota(q.limits, q.in_use, size_gib);
}

Result<ProjectQuota> QuotaRepository::Get(const std::string& project_id) {
  ProjectQuota out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    out = ReadQuota(txn, project_id, defaults_);
    return Status::Ok();
  }));
  return out;
}

Result<ProjectQuota> QuotaRepository::Update(const std::string& project_id,
                                             const QuotaUpdate& update) {
  ProjectQuota out;
  Status st = db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    LockProject(txn, project_id);
    ProjectQuota now = ReadQuota(txn, project_id, defaults_);
    if (update.backups) {
      RETURN_IF_ERROR(CheckLimitCoversUsage("backups", *update.backups, now.in_use.backups));
    }
    if (update.backup_gigabytes) {
      RETURN_IF_ERROR(CheckLimitCoversUsage("backup_gigabytes", *update.backup_gigabytes,
                                            now.in_use.backup_gigabytes));
    }
    if (update.backups) Upsert(txn, project_id, "backups", *update.backups);
    if (update.backup_gigabytes) {
      Upsert(txn, project_id, "backup_gigabytes", *update.backup_gigabytes);
    }
    out = ReadQuota(txn, project_id, defaults_);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return out;
}

Status QuotaRepository::Reset(const std::string& project_id) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    LockProject(txn, project_id);
    txn.exec_params("DELETE FROM project_quotas WHERE project_id = $1", project_id);
    return Status::Ok();
  });
}

}  // namespace bb
