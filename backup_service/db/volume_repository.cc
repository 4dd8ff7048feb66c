#include "backup_service/db/volume_repository.h"

#include "backup_service/db/event_log.h"
#include "backup_service/db/keyset_page.h"
#include "backup_service/db/sql_util.h"
#include "backup_service/model/state_machine.h"

namespace bb {
namespace {

const std::string kColumns =
    "id::text, project_id, name, description, size_gib, status, COALESCE(previous_status, ''), "
    "host, provider_location, " +
    sql::Micros("created_at") + ", " + sql::Micros("updated_at") + ", provider_auth";

// Sort keys (model/list_query.h kVolumeSortKeys) -> SQL.
constexpr sql::SortColumn kSortColumns[] = {
    {"created_at", "volumes.created_at", "timestamptz"},
    {"updated_at", "volumes.updated_at", "timestamptz"},
    {"name", "volumes.name", "text"},
    {"status", "volumes.status", "text"},
    {"size_gib", "volumes.size_gib", "bigint"},
    {"id", "volumes.id", "uuid"},
};

const std::string kAttachmentColumns =
    "id::text, volume_id::text, instance_uuid, attached_host, device, status, " +
    sql::Micros("created_at");

Volume RowToVolume(const pqxx::row& r) {
  Volume v;
  v.id = sql::Text(r[0]);
  v.project_id = sql::Text(r[1]);
  v.name = sql::Text(r[2]);
  v.description = sql::Text(r[3]);
  v.size_gib = sql::Int(r[4]);
  v.status = ParseVolumeStatus(sql::Text(r[5])).value_or(VolumeStatus::kError);
  v.previous_status = ParseVolumeStatus(sql::Text(r[6]));
  v.host = sql::Text(r[7]);
  v.provider_location = sql::Text(r[8]);
  v.created_at = sql::Int(r[9]);
  v.updated_at = sql::Int(r[10]);
  v.provider_auth = sql::Text(r[11]);
  return v;
}

Attachment RowToAttachment(const pqxx::row& r) {
  Attachment a;
  a.id = sql::Text(r[0]);
  a.volume_id = sql::Text(r[1]);
  a.instance_uuid = sql::Text(r[2]);
  a.attached_host = sql::Text(r[3]);
  a.device = sql::Text(r[4]);
  a.status = ParseAttachmentStatus(sql::Text(r[5])).value_or(AttachmentStatus::kAttaching);
  a.created_at = sql::Int(r[6]);
  return a;
}

std::string AttachmentStatusOf(pqxx::dbtransaction& txn, const std::string& id) {
  auto r = txn.exec_params("SELECT status FROM volume_attachments WHERE id = $1::uuid", id);
  return r.empty() ? std::string() : sql::Text(r[0][0]);
}

void InsertAttachmentRow(pqxx::dbtransaction& txn, const Attachment& a, const std::string& host) {
  txn.exec_params(
      "INSERT INTO volume_attachments (id, volume_id, instance_uuid, attached_host, device, "
      "status) VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6)",
      a.id, a.volume_id, a.instance_uuid, a.attached_host, a.device,
      std::string(ToString(a.status)));
  RecordEvent(txn, "attachment", a.id, "", std::string(ToString(a.status)), "volume " + a.volume_id,
              host);
}

Status UpdateAttachmentRow(pqxx::dbtransaction& txn, const std::string& id, AttachmentStatus status,
                           const std::string& device, const std::string& host) {
  std::string from = AttachmentStatusOf(txn, id);
  auto r =
      txn.exec_params("UPDATE volume_attachments SET status = $2, device = $3 WHERE id = $1::uuid",
                      id, std::string(ToString(status)), device);
  if (r.affected_rows() != 1) return Status::NotFound("attachment " + id + " not found");
  RecordEvent(txn, "attachment", id, from, std::string(ToString(status)), device, host);
  return Status::Ok();
}

void DeleteAttachmentRow(pqxx::dbtransaction& txn, const std::string& id, const std::string& host) {
  auto r =
      txn.exec_params("DELETE FROM volume_attachments WHERE id = $1::uuid RETURNING status", id);
  if (!r.empty()) RecordEvent(txn, "attachment", id, sql::Text(r[0][0]), "detached", "", host);
}

Status ApplyAttachmentChange(pqxx::dbtransaction& txn, const AttachmentChange& c,
                             const std::string& host) {
  switch (c.kind) {
    case AttachmentChange::Kind::kInsert:
      InsertAttachmentRow(txn, c.attachment, host);
      return Status::Ok();
    case AttachmentChange::Kind::kUpdate:
      return UpdateAttachmentRow(txn, c.attachment.id, c.attachment.status, c.attachment.device,
                                 host);
    case AttachmentChange::Kind::kDelete:
      DeleteAttachmentRow(txn, c.attachment.id, host);
      return Status::Ok();
  }
  return Status::Internal("unknown attachment change");
}

}  // namespace

Status VolumeRepository::Insert(const Volume& v, bool is_temporary, const std::string& reason) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    txn.exec_params(
        "INSERT INTO volumes (id, project_id, name, description, size_gib, status, host, "
        "provider_location, is_temporary) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9)",
        v.id, v.project_id, v.name, v.description, v.size_gib, std::string(ToString(v.status)),
        v.host, v.provider_location, is_temporary);
    RecordEvent(txn, "volume", v.id, "", std::string(ToString(v.status)), reason, host_);
    return Status::Ok();
  });
}

Result<Volume> VolumeRepository::Get(const std::string& id, const std::string& project_id) {
  std::optional<Volume> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto r = txn.exec_params("SELECT " + kColumns + " FROM volumes WHERE id = $1::uuid", id);
    if (!r.empty()) out = RowToVolume(r[0]);
    return Status::Ok();
  }));
  if (!out || (!project_id.empty() && out->project_id != project_id)) {
    return Status::NotFound("volume " + id + " not found");
  }
  return *out;
}

Result<Page<Volume>> VolumeRepository::List(const VolumeFilter& filter, const PageSpec& page) {
  sql::ListScope scope{.table = "volumes",
                       .kind = "volume",
                       .columns = kColumns,
                       .sort_columns = kSortColumns,
                       .visible = {"NOT is_temporary"}};
  if (!page.all_projects) scope.project = sql::Equals{"project_id", filter.project_id};
  if (!filter.name.empty()) scope.filters.push_back({"name", filter.name});
  if (!filter.status.empty()) scope.filters.push_back({"status", filter.status});
  Page<Volume> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    ASSIGN_OR_RETURN(sql::PageRows rows, sql::FetchPage(txn, scope, page));
    out = sql::ToPage<Volume>(rows, page, RowToVolume);
    return Status::Ok();
  }));
  return out;
}

Status VolumeRepository::Transition(const std::string& id, VolumeStatus from, VolumeStatus to,
                                    const std::string& reason, const VolumeChange& change) {
  if (!IsLegalTransition(from, to)) {
    return Status::Internal("illegal volume transition " + std::string(ToString(from)) + " -> " +
                            std::string(ToString(to)));
  }
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    sql::SetClause set(3);
    set.Set("status", std::string(ToString(to)));
    set.SetNow("updated_at");
    if (change.previous_status) {
      if (*change.previous_status) {
        set.Set("previous_status", std::string(ToString(**change.previous_status)));
      } else {
        set.SetNull("previous_status");
      }
    }
    if (change.provider_location) set.Set("provider_location", *change.provider_location);
    if (change.provider_auth) set.Set("provider_auth", *change.provider_auth);
    auto params = set.Params();
    auto r = txn.exec_params(
        "UPDATE volumes SET " + set.Sql() + " WHERE id = $1::uuid AND status = $2", id,
        std::string(ToString(from)), pqxx::prepare::make_dynamic_params(params));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kVolume, id, ToString(from));
    RecordEvent(txn, "volume", id, std::string(ToString(from)), std::string(ToString(to)), reason,
                host_);
    if (change.attachment) return ApplyAttachmentChange(txn, *change.attachment, host_);
    return Status::Ok();
  });
}

Status VolumeRepository::UpdateExport(const std::string& id, VolumeStatus expected,
                                      const std::string& reason, const VolumeChange& change) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    sql::SetClause set(3);
    set.SetNow("updated_at");
    if (change.provider_location) set.Set("provider_location", *change.provider_location);
    if (change.provider_auth) set.Set("provider_auth", *change.provider_auth);
    auto params = set.Params();
    auto r = txn.exec_params(
        "UPDATE volumes SET " + set.Sql() + " WHERE id = $1::uuid AND status = $2", id,
        std::string(ToString(expected)), pqxx::prepare::make_dynamic_params(params));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kVolume, id, ToString(expected));
    RecordEvent(txn, "volume", id, std::string(ToString(expected)), std::string(ToString(expected)),
                reason, host_);
    return Status::Ok();
  });
}

Status VolumeRepository::BeginDelete(const std::string& id, VolumeStatus from) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    // Row lock first: a concurrent backup's compare-and-swap on this volume waits for us.
    auto locked = txn.exec_params("SELECT status FROM volumes WHERE id = $1::uuid FOR UPDATE", id);
    if (locked.empty()) return Status::NotFound("volume " + id + " not found");
    auto busy = txn.exec_params(
        "SELECT id::text, status FROM backups WHERE (volume_id = $1::uuid AND status = "
        "'creating') OR (restore_volume_id = $1::uuid AND status = 'restoring') LIMIT 1",
        id);
    if (!busy.empty()) {
      return Status::FailedPrecondition("volume " + id + " cannot be deleted while backup " +
                                        sql::Text(busy[0][0]) + " is " + sql::Text(busy[0][1]) +
                                        "; wait for it to finish or delete the backup first");
    }
    // Incremental bases do not count: they are the service's, and go with the volume.
    auto snaps = txn.exec_params(
        "SELECT count(*) FROM snapshots WHERE volume_id = $1::uuid AND incremental_base_of IS "
        "NULL",
        id);
    if (sql::Int(snaps[0][0]) > 0) {
      return Status::FailedPrecondition("volume " + id + " has " +
                                        std::to_string(sql::Int(snaps[0][0])) +
                                        " snapshot(s); delete them first");
    }
    auto r = txn.exec_params(
        "UPDATE volumes SET status = 'deleting', updated_at = now() "
        "WHERE id = $1::uuid AND status = $2",
        id, std::string(ToString(from)));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kVolume, id, ToString(from));
    RecordEvent(txn, "volume", id, std::string(ToString(from)), "deleting", "delete requested",
                host_);
    return Status::Ok();
  });
}

Status VolumeRepository::Remove(const std::string& id, VolumeStatus expected,
                                const std::string& reason) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    auto r = txn.exec_params("DELETE FROM volumes WHERE id = $1::uuid AND status = $2", id,
                             std::string(ToString(expected)));
    if (r.affected_rows() != 1) return sql::CasFailure(txn, sql::kVolume, id, ToString(expected));
    RecordEvent(txn, "volume", id, std::string(ToString(expected)), "deleted", reason, host_);
    return Status::Ok();
  });
}

Result<std::vector<Volume>> VolumeRepository::ListNeedingRecovery(const std::string& host) {
  std::vector<Volume> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params(
        "SELECT " + kColumns +
            " FROM volumes v WHERE host = $1 AND NOT is_temporary AND status IN ('creating', "
            "'attaching', 'detaching', 'deleting', 'backing-up', 'restoring-backup') "
            "AND NOT EXISTS (SELECT 1 FROM backups b WHERE "
            "(v.status = 'backing-up' AND b.status = 'creating' AND b.volume_id = v.id AND "
            "b.snapshot_id IS NULL) OR "
            "(v.status = 'restoring-backup' AND b.status = 'restoring' AND "
            "b.restore_volume_id = v.id)) "
            "ORDER BY created_at, id",
        host);
    for (const auto& r : rows) out.push_back(RowToVolume(r));
    return Status::Ok();
  }));
  return out;
}

Status VolumeRepository::InsertAttachment(const Attachment& a) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    InsertAttachmentRow(txn, a, host_);
    return Status::Ok();
  });
}

Status VolumeRepository::UpdateAttachment(const std::string& id, AttachmentStatus status,
                                          const std::string& device) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    return UpdateAttachmentRow(txn, id, status, device, host_);
  });
}

Status VolumeRepository::DeleteAttachment(const std::string& id) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) {
    DeleteAttachmentRow(txn, id, host_);
    return Status::Ok();
  });
}

Result<std::vector<Attachment>> VolumeRepository::ListAttachments(const std::string& volume_id) {
  std::vector<Attachment> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params("SELECT " + kAttachmentColumns +
                                    " FROM volume_attachments WHERE volume_id = $1::uuid "
                                    "ORDER BY created_at, id",
                                volume_id);
    for (const auto& r : rows) out.push_back(RowToAttachment(r));
    return Status::Ok();
  }));
  return out;
}

Result<Attachment> VolumeRepository::GetAttachment(const std::string& attachment_id) {
  std::optional<Attachment> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params(
        "SELECT " + kAttachmentColumns + " FROM volume_attachments WHERE id = $1::uuid",
        attachment_id);
    if (!rows.empty()) out = RowToAttachment(rows[0]);
    return Status::Ok();
  }));
  if (!out) return Status::NotFound("attachment " + attachment_id + " not found");
  return *out;
}

Result<std::map<std::string, std::vector<Attachment>>> VolumeRepository::ListAttachments(
    const std::vector<std::string>& volume_ids) {
  std::map<std::string, std::vector<Attachment>> out;
  if (volume_ids.empty()) return out;
  // One uuid[] parameter ("{id,id,...}"); the ids come from volume rows, so they are UUIDs.
  std::string ids = "{";
  for (const auto& id : volume_ids) ids += (ids.size() > 1 ? "," : "") + id;
  ids += "}";
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) {
    auto rows = txn.exec_params("SELECT " + kAttachmentColumns +
                                    " FROM volume_attachments WHERE volume_id = ANY($1::uuid[]) "
                                    "ORDER BY created_at, id",
                                ids);
    for (const auto& r : rows) {
      Attachment a = RowToAttachment(r);
      out[a.volume_id].push_back(std::move(a));
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace bb
