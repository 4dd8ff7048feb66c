#include "backup_service/db/backup_repository.h"

#include "backup_service/db/event_log.h"
#include "backup_service/db/keyset_page.h"
#include "backup_service/db/sql_util.h"
#include "backup_service/model/state_machine.h"

namespace bb {
namespace {

const std::string kColumns =
    "id::text, project_id, volume_id::text, COALESCE(snapshot_id::text, ''), name, "
    "description, status, fail_reason, COALESCE(parent_id::text, ''), "
    "COALESCE(temp_volume_id::text, ''), COALESCE(temp_snapshot_id::text, ''), "
    "COALESCE(restore_volume_id::text, ''), container, manifest_object, host, size_gib, "
    "object_count, stored_bytes, bytes_done, bytes_total, source_kind, source_reason, "
    "num_dependent_backups, source_device, restore_volume_created, " +
    sql::Micros("data_timestamp") + ", " + sql::Micros("started_at") + ", " +
    sql::Micros("finished_at") + ", " + sql::Micros("created_at") + ", " +
    sql::Micros("updated_at") + ", service";

// Sort keys (model/list_query.h kBackupSortKeys) -> SQL. A backup that has not copied anything
// has no data_timestamp: it sorts as the oldest, in ORDER BY and in the marker comparison alike.
constexpr sql::SortColumn kSortColumns[] = {
    {"created_at", "backups.created_at", "timestamptz"},
    {"updated_at", "backups.updated_at", "timestamptz"},
    {"name", "backups.name", "text"},
    {"status", "backups.status", "text"},
    {"size_gib", "backups.size_gib", "bigint"},
    {"data_timestamp", "COALESCE(backups.data_timestamp, '-infinity'::timestamptz)", "timestamptz"},
    {"id", "backups.id", "uuid"},
};

Backup RowToBackup(const pqxx::row& r) {
  Backup b;
  b.id = sql::Text(r[0]);
  b.project_id = sql::Text(r[1]);
  b.volume_id = sql::Text(r[2]);
  b.snapshot_id = sql::Text(r[3]);
  b.name = sql::Text(r[4]);
  b.description = sql::Text(r[5]);
  b.status = ParseBackupStatus(sql::Text(r[6])).value_or(BackupStatus::kError);
  b.fail_reason = sql::Text(r[7]);
  b.parent_id = sql::Text(r[8]);
  b.temp_volume_id = sql::Text(r[9]);
  b.temp_snapshot_id = sql::Text(r[10]);
  b.restore_volume_id = sql::Text(r[11]);
  b.container = sql::Text(r[12]);
  b.manifest_object = sql::Text(r[13]);
  b.host = sql::Text(r[14]);
  b.size_gib = sql::Int(r[15]);
  b.object_count = sql::Int(r[16]);
  b.stored_bytes = sql::Int(r[17]);
  b.bytes_done = sql::Int(r[18]);
  b.bytes_total = sql::Int(r[19]);
  b.source_kind = ParseBackupSourceKind(sql::Text(r[20])).value_or(BackupSourceKind::kNone);
  b.source_reason = sql::Text(r[21]);
  b.num_dependent_backups = sql::Int(r[22]);
  b.source_device = sql::Text(r[23]);
  b.restore_volume_created = sql::Bool(r[24]);
  b.data_timestamp = sql::Int(r[25]);
  b.started_at = sql::Int(r[26]);
  b.finished_at = sql::Int(r[27]);
  b.created_at = sql::Int(r[28]);
  b.updated_at = sql::Int(r[29]);
  b.storage_format = sql::Text(r[30]);
  // Rows from before the format was recorded (the column's default) are v1.
  if (b.storage_format.empty()) b.storage_format = std::string(kStorageChunkedV1);
  return b;
}

void AddChange(sql::SetClause& set, const BackupChange& c) {
  if (c.fail_reason) set.Set("fail_reason", c.fail_reason->substr(0, 1000));
  if (c.temp_volume_id) set.Set("temp_volume_id", *c.temp_volume_id, "uuid");
  if (c.temp_snapshot_id) set.Set("temp_snapshot_id", *c.temp_snapshot_id, "uuid");
  if (c.restore_volume_id) set.Set("restore_volume_id", *c.restore_volume_id, "uuid");
  if (c.manifest_object) set.Set("manifest_object", *c.manifest_object);
  if (c.object_count) set.Set("object_count", std::to_string(*c.object_count), "bigint");
  if (c.stored_bytes) set.Set("stored_bytes", std::to_string(*c.stored_bytes), "bigint");
  if (c.bytes_done) set.Set("bytes_done", std::to_string(*c.bytes_done), "bigint");
  if (c.bytes_total) set.Set("bytes_total", std::to_string(*c.bytes_total), "bigint");
  if (c.source_kind) set.Set("source_kind", std::string(ToString(*c.source_kind)));
  if (c.source_reason) set.Set("source_reason", *c.source_reason);
  if (c.source_device) set.Set("source_device", *c.source_device);
  if (c.data_timestamp) set.SetFromMicros("data_timestamp", *c.data_timestamp);
  if (c.set_started_now) set.SetNow("started_at");
  if (c.set_finished_now) set.SetNow("finished_at");
  if (c.set_deleted_now) set.SetNow("deleted_at");
}

}  // namespace

void BackupRepository::InsertRow(pqxx::dbtransaction& txn, const Backup& b,
                                 const std::string& reason) {
  txn.exec_params(
      "INSERT INTO backups (id, project_id, volume_id, snapshot_id, name, description, status, "
      "parent_id, container, host, size_gib, service) VALUES ($1::uuid, $2, $3::uuid, "
      "NULLIF($4, '')::uuid, $5, $6, $7, NULLIF($8, '')::uuid, $9, $10, $11, $12)",
      b.id, b.project_id, b.volume_id, b.snapshot_id, b.name, b.description,
      std::string(ToString(b.status)), b.parent_id, b.container, b.host, b.size_gib,
      b.storage_format.empty() ? std::string(kStorageChunkedV1) : b.storage_format);
  RecordEvent(txn, "backup", b.id, "", std::string(ToString(b.status)), reason, host_);
}

Status BackupRepository::Insert(const Backup& b, const std::string& reason) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    InsertRow(txn, b, reason);
    return Status::Ok();
  });
}

Result<Backup> BackupRepository::Get(const std::string& id, const std::string& project_id) {
  std::optional<Backup> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto r = txn.exec_params(
        "SELECT " + kColumns + " FROM backups WHERE id = $1::uuid AND status <> 'deleted'", id);
    if (!r.empty()) out = RowToBackup(r[0]);
    return Status::Ok();
  }));
  if (!out || (!project_id.empty() && out->project_id != project_id)) {
    return Status::NotFound("backup " + id + " not found");
  }
  return *out;
}

namespace {

// Which rows a listing reads: deleted backups never; the project's unless all projects.
sql::ListScope BackupListScope(const BackupFilter& filter, const PageSpec& page) {
  sql::ListScope scope{.table = "backups",
                       .kind = "backup",
                       .columns = kColumns,
                       .sort_columns = kSortColumns,
                       .visible = {"status <> 'deleted'"}};
  if (!page.all_projects) scope.project = sql::Equals{"project_id", filter.project_id};
  if (!filter.volume_id.empty()) scope.filters.push_back({"volume_id", filter.volume_id, "uuid"});
  if (!filter.name.empty()) scope.filters.push_back({"name", filter.name});
  if (!filter.status.empty()) scope.filters.push_back({"status", filter.status});
  return scope;
}

}  // namespace

Result<Page<Backup>> BackupRepository::List(const BackupFilter& filter, const PageSpec& page) {
  Page<Backup> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    ASSIGN_OR_RETURN(sql::PageRows rows, sql::FetchPage(txn, BackupListScope(filter, page), page));
    out = sql::ToPage<Backup>(rows, page, RowToBackup);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Backup>> BackupRepository::ListNeedingRecovery(const std::string& host) {
  std::vector<Backup> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params(
        "SELECT " + kColumns +
            " FROM backups WHERE host = $1 AND (status IN ('creating', 'restoring', 'deleting') "
            "OR temp_snapshot_id IS NOT NULL OR temp_volume_id IS NOT NULL) ORDER BY created_at",
        host);
    for (const auto& r : rows) out.push_back(RowToBackup(r));
    return Status::Ok();
  }));
  return out;
}

Result<std::string> BackupRepository::ExplainList(const BackupFilter& filter,
                                                  const PageSpec& page) {
  std::string plan;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    ASSIGN_OR_RETURN(plan, sql::ExplainPage(txn, BackupListScope(filter, page), page));
    return Status::Ok();
  }));
  return plan;
}

Result<std::optional<Backup>> BackupRepository::LatestAvailable(const std::string& project_id,
                                                                const std::string& volume_id) {
  std::optional<Backup> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto r = txn.exec_params("SELECT " + kColumns +
                                 " FROM backups WHERE project_id = $1 AND volume_id = $2::uuid "
                                 "AND status = 'available' ORDER BY data_timestamp DESC NULLS "
                                 "LAST, created_at DESC LIMIT 1",
                             project_id, volume_id);
    if (!r.empty()) out = RowToBackup(r[0]);
    return Status::Ok();
  }));
  return out;
}

Status BackupRepository::Transition(const std::string& id, BackupStatus from, BackupStatus to,
                                    const std::string& reason, const BackupChange& change) {
  if (!IsLegalTransition(from, to)) {
    return Status::Internal("illegal backup transition " + std::string(ToString(from)) + " -> " +
                            std::string(ToString(to)));
  }
  return Apply(id, from, to, reason, change);
}

Status BackupRepository::Update(const std::string& id, BackupStatus expected,
                                const std::string& reason, const BackupChange& change) {
  return Apply(id, expected, expected, reason, change);
}

Status BackupRepository::Apply(const std::string& id, BackupStatus from, BackupStatus to,
                               const std::string& reason, const BackupChange& change,
                               const std::function<void(pqxx::dbtransaction&)>& also) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    sql::SetClause set(3);
    set.Set("status", std::string(ToString(to)));
    set.SetNow("updated_at");
    AddChange(set, change);
    auto params = set.Params();
    auto r = txn.exec_params(
        "UPDATE backups SET " + set.Sql() + " WHERE id = $1::uuid AND status = $2", id,
        std::string(ToString(from)), pqxx::prepare::make_dynamic_params(params));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kBackup, id, ToString(from));
    RecordEvent(txn, "backup", id, std::string(ToString(from)), std::string(ToString(to)), reason,
                host_);
    if (also) also(txn);
    return Status::Ok();
  });
}

Status BackupRepository::UpdateProgress(const std::string& id, int64_t bytes_done,
                                        int64_t bytes_total) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    txn.exec_params(
        "UPDATE backups SET bytes_done = $2, bytes_total = $3, updated_at = now() "
        "WHERE id = $1::uuid",
        id, bytes_done, bytes_total);
    return Status::Ok();
  });
}

Status BackupRepository::AddDependent(const std::string& parent_id, int delta) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    txn.exec_params(
        "UPDATE backups SET num_dependent_backups = GREATEST(num_dependent_backups + $2, 0) "
        "WHERE id = $1::uuid",
        parent_id, delta);
    return Status::Ok();
  });
}

}  // namespace bb
