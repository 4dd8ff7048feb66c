// ApiTokenRepository: parameterised statements over api_tokens.
#include "backup_service/db/api_token_repository.h"

#include "backup_service/db/sql_util.h"

namespace bb {
namespace {

const std::string kColumns = "id::text, project_id, role, description, " +
                             sql::Micros("created_at") + ", " + sql::Micros("revoked_at");

ApiTokenRow RowFrom(const pqxx::row& r) {
  return ApiTokenRow{.id = sql::Text(r[0]),
                     .project_id = sql::Text(r[1]),
                     .role = sql::Text(r[2]),
                     .description = sql::Text(r[3]),
                     .created_at = sql::Int(r[4]),
                     .revoked_at = sql::Int(r[5])};
}

}  // namespace

Status ApiTokenRepository::Insert(const ApiTokenRow& row, const std::string& sha256_hex) {
  return db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    auto r = txn.exec_params(
        "INSERT INTO api_tokens (id, token_sha256, project_id, role, description) "
        "VALUES ($1::uuid, decode($2, 'hex'), $3, $4, $5) ON CONFLICT (token_sha256) DO NOTHING",
        row.id, sha256_hex, row.project_id, row.role, row.description);
    if (r.affected_rows() != 1) return Status::AlreadyExists("token digest already stored");
    return Status::Ok();
  });
}

Result<std::optional<ApiTokenRow>> ApiTokenRepository::FindValid(const std::string& sha256_hex) {
  std::optional<ApiTokenRow> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    auto rows = txn.exec_params("SELECT " + kColumns +
                                    " FROM api_tokens WHERE token_sha256 = decode($1, 'hex') "
                                    "AND revoked_at IS NULL",
                                sha256_hex);
    if (!rows.empty()) out = RowFrom(rows[0]);
    return Status::Ok();
  }));
  return out;
}

Result<ApiTokenRow> ApiTokenRepository::Revoke(const std::string& id) {
  ApiTokenRow out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    auto rows = txn.exec_params("SELECT " + kColumns + " FROM api_tokens WHERE id = $1::uuid", id);
    if (rows.empty()) return Status::NotFound("API token " + id + " not found");
    out = RowFrom(rows[0]);
    if (out.revoked_at != 0) {
      return Status::FailedPrecondition("API token " + id + " is already revoked");
    }
    auto updated = txn.exec_params(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1::uuid AND revoked_at IS NULL "
        "RETURNING " +
            kColumns,
        id);
    if (updated.empty()) {
      return Status::FailedPrecondition("API token " + id + " is already revoked");
    }
    out = RowFrom(updated[0]);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<ApiTokenRow>> ApiTokenRepository::List(const std::string& project_id) {
  std::vector<ApiTokenRow> out;
  RETURN_IF_ERROR(db_.InTransaction([&](pqxx::dbtransaction& txn) -> Status {
    out.clear();
    auto rows = txn.exec_params("SELECT " + kColumns +
                                    " FROM api_tokens WHERE ($1 = '' OR project_id = $1) "
                                    "ORDER BY created_at DESC, id",
                                project_id);
    for (const auto& r : rows) out.push_back(RowFrom(r));
    return Status::Ok();
  }));
  return out;
}

}  // namespace bb
