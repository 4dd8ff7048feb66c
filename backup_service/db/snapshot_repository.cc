#include "backup_service/db/snapshot_repository.h"

#include "backup_service/db/event_log.h"
#include "backup_service/db/keyset_page.h"
#include "backup_service/db/sql_util.h"
#include "backup_service/model/state_machine.h"

namespace bb {
namespace {

const std::string kColumns =
    "id::text, project_id, volume_id::text, name, description, size_gib, status, is_temporary, "
    "provider_location, provider_auth, " +
    sql::Micros("created_at") + ", " + sql::Micros("updated_at") + ", host";
// kColumns and the backup an incremental base holds (schema/0009_incremental_base.sql).
const std::string kBaseColumns = kColumns + ", coalesce(incremental_base_of::text, '')";

// Sort keys (model/list_query.h kSnapshotSortKeys) -> SQL.
constexpr sql::SortColumn kSortColumns[] = {
    {"created_at", "snapshots.created_at", "timestamptz"},
    {"updated_at", "snapshots.updated_at", "timestamptz"},
    {"name", "snapshots.name", "text"},
    {"status", "snapshots.status", "text"},
    {"size_gib", "snapshots.size_gib", "bigint"},
    {"id", "snapshots.id", "uuid"},
};

Snapshot RowToSnapshot(const pqxx::row& r) {
  Snapshot s;
  s.id = sql::Text(r[0]);
  s.project_id = sql::Text(r[1]);
  s.volume_id = sql::Text(r[2]);
  s.name = sql::Text(r[3]);
  s.description = sql::Text(r[4]);
  s.size_gib = sql::Int(r[5]);
  s.status = ParseSnapshotStatus(sql::Text(r[6])).value_or(SnapshotStatus::kError);
  s.is_temporary = sql::Bool(r[7]);
  s.provider_location = sql::Text(r[8]);
  s.provider_auth = sql::Text(r[9]);
  s.created_at = sql::Int(r[10]);
  s.updated_at = sql::Int(r[11]);
  s.host = sql::Text(r[12]);
  return s;
}

IncrementalBaseRow RowToBase(const pqxx::row& r) {
  return IncrementalBaseRow{RowToSnapshot(r), sql::Text(r[13])};
}

}  // namespace

Status SnapshotRepository::Insert(const Snapshot& s, const std::string& reason,
                                  std::initializer_list<VolumeStatus> volume_must_be) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    // Share lock on the volume row: VolumeRepository::BeginDelete takes it FOR UPDATE and then
    // counts snapshots, so either it sees this snapshot or this insert sees `deleting`.
    auto v =
        txn.exec_params("SELECT status FROM volumes WHERE id = $1::uuid FOR SHARE", s.volume_id);
    if (v.empty()) return Status::NotFound("volume " + s.volume_id + " not found");
    std::string status = sql::Text(v[0][0]);
    bool allowed = false;
    std::string expected;
    for (VolumeStatus ok : volume_must_be) {
      allowed = allowed || status == ToString(ok);
      expected += (expected.empty() ? "" : " or ") + std::string(ToString(ok));
    }
    if (!allowed) {
      return Status::FailedPrecondition("volume " + s.volume_id + " is " + status +
                                        "; a snapshot needs it " + expected);
    }
    txn.exec_params(
        "INSERT INTO snapshots (id, project_id, volume_id, name, description, size_gib, status, "
        "is_temporary, provider_location, host) "
        "VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7, $8, $9, $10)",
        s.id, s.project_id, s.volume_id, s.name, s.description, s.size_gib,
        std::string(ToString(s.status)), s.is_temporary, s.provider_location, s.host);
    RecordEvent(txn, "snapshot", s.id, "", std::string(ToString(s.status)), reason, host_);
    return Status::Ok();
  });
}

Result<Snapshot> SnapshotRepository::Get(const std::string& id, const std::string& project_id) {
  std::optional<Snapshot> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto r = txn.exec_params("SELECT " + kColumns + " FROM snapshots WHERE id = $1::uuid", id);
    if (!r.empty()) out = RowToSnapshot(r[0]);
    return Status::Ok();
  }));
  if (!out || (!project_id.empty() && out->project_id != project_id)) {
    return Status::NotFound("snapshot " + id + " not found");
  }
  return *out;
}

Result<Page<Snapshot>> SnapshotRepository::List(const SnapshotFilter& filter,
                                                const PageSpec& page) {
  sql::ListScope scope{.table = "snapshots",
                       .kind = "snapshot",
                       .columns = kColumns,
                       .sort_columns = kSortColumns,
                       .visible = {"NOT is_temporary"}};
  if (!page.all_projects) scope.project = sql::Equals{"project_id", filter.project_id};
  if (!filter.volume_id.empty()) scope.filters.push_back({"volume_id", filter.volume_id, "uuid"});
  if (!filter.name.empty()) scope.filters.push_back({"name", filter.name});
  if (!filter.status.empty()) scope.filters.push_back({"status", filter.status});
  Page<Snapshot> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    ASSIGN_OR_RETURN(sql::PageRows rows, sql::FetchPage(txn, scope, page));
    out = sql::ToPage<Snapshot>(rows, page, RowToSnapshot);
    return Status::Ok();
  }));
  return out;
}

Status SnapshotRepository::Transition(const std::string& id, SnapshotStatus from, SnapshotStatus to,
                                      const std::string& reason, const SnapshotChange& change) {
  if (!IsLegalTransition(from, to)) {
    return Status::Internal("illegal snapshot transition " + std::string(ToString(from)) + " -> " +
                            std::string(ToString(to)));
  }
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    sql::SetClause set(3);
    set.Set("status", std::string(ToString(to)));
    set.SetNow("updated_at");
    if (change.provider_location) set.Set("provider_location", *change.provider_location);
    if (change.provider_auth) set.Set("provider_auth", *change.provider_auth);
    auto params = set.Params();
    auto r = txn.exec_params(
        "UPDATE snapshots SET " + set.Sql() + " WHERE id = $1::uuid AND status = $2", id,
        std::string(ToString(from)), pqxx::prepare::make_dynamic_params(params));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kSnapshot, id, ToString(from));
    RecordEvent(txn, "snapshot", id, std::string(ToString(from)), std::string(ToString(to)), reason,
                host_);
    return Status::Ok();
  });
}

Status SnapshotRepository::UpdateExport(const std::string& id, SnapshotStatus expected,
                                        const std::string& reason, const SnapshotChange& change) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    sql::SetClause set(3);
    set.SetNow("updated_at");
    if (change.provider_location) set.Set("provider_location", *change.provider_location);
    if (change.provider_auth) set.Set("provider_auth", *change.provider_auth);
    auto params = set.Params();
    auto r = txn.exec_params(
        "UPDATE snapshots SET " + set.Sql() + " WHERE id = $1::uuid AND status = $2", id,
        std::string(ToString(expected)), pqxx::prepare::make_dynamic_params(params));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kSnapshot, id, ToString(expected));
    RecordEvent(txn, "snapshot", id, std::string(ToString(expected)),
                std::string(ToString(expected)), reason, host_);
    return Status::Ok();
  });
}

Result<std::vector<Snapshot>> SnapshotRepository::ListNeedingRecovery(const std::string& host) {
  std::vector<Snapshot> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params(
        "SELECT " + kColumns +
            " FROM snapshots s WHERE host = $1 AND NOT is_temporary AND status IN ('creating', "
            "'deleting', 'backing-up') AND NOT EXISTS (SELECT 1 FROM backups b WHERE "
            "s.status = 'backing-up' AND b.status = 'creating' AND b.snapshot_id = s.id) "
            "ORDER BY created_at, id",
        host);
    for (const auto& r : rows) out.push_back(RowToSnapshot(r));
    return Status::Ok();
  }));
  return out;
}

Status SnapshotRepository::Remove(const std::string& id, SnapshotStatus expected,
                                  const std::string& reason) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    auto r = txn.exec_params("DELETE FROM snapshots WHERE id = $1::uuid AND status = $2", id,
                             std::string(ToString(expected)));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kSnapshot, id, ToString(expected));
    RecordEvent(txn, "snapshot", id, std::string(ToString(expected)), "deleted", reason, host_);
    return Status::Ok();
  });
}

Result<std::optional<IncrementalBaseRow>> SnapshotRepository::IncrementalBase(
    const std::string& volume_id) {
  std::optional<IncrementalBaseRow> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto r = txn.exec_params("SELECT " + kBaseColumns +
                                 " FROM snapshots WHERE volume_id = $1::uuid AND "
                                 "incremental_base_of IS NOT NULL AND status <> 'deleting'",
                             volume_id);
    if (!r.empty()) out = RowToBase(r[0]);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<Snapshot>> SnapshotRepository::IncrementalBasesOf(const std::string& volume_id) {
  std::vector<Snapshot> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params("SELECT " + kColumns +
                                    " FROM snapshots WHERE volume_id = $1::uuid AND "
                                    "incremental_base_of IS NOT NULL ORDER BY created_at, id",
                                volume_id);
    for (const auto& r : rows) out.push_back(RowToSnapshot(r));
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<IncrementalBaseRow>> SnapshotRepository::StaleIncrementalBases(
    const std::string& backup_host) {
  std::vector<IncrementalBaseRow> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params(
        "SELECT " + kBaseColumns +
            " FROM snapshots s WHERE s.incremental_base_of IS NOT NULL AND EXISTS (SELECT 1 FROM "
            "backups b WHERE b.id = s.incremental_base_of AND b.host = $1 AND (s.status <> "
            "'available' OR b.status NOT IN ('available', 'restoring'))) ORDER BY created_at, id",
        backup_host);
    for (const auto& r : rows) out.push_back(RowToBase(r));
    return Status::Ok();
  }));
  return out;
}

}  // namespace bb
