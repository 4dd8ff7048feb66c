#include "backup_service/db/sql_util.h"

namespace bb::sql {

void SetClause::Set(const std::string& column, std::string value, const std::string& cast) {
  if (cast == "uuid" && value.empty()) {
    SetNull(column);
    return;
  }
  parts_.push_back(column + " = $" + std::to_string(next_++) + "::" + cast);
  values_.emplace_back(std::move(value));
}

void SetClause::SetNull(const std::string& column) { parts_.push_back(column + " = NULL"); }

void SetClause::SetNow(const std::string& column) { parts_.push_back(column + " = now()"); }

void SetClause::SetFromMicros(const std::string& column, int64_t micros) {
  if (micros == 0) {
    SetNull(column);
    return;
  }
  parts_.push_back(column + " = to_timestamp($" + std::to_string(next_++) + "::bigint / 1e6)");
  values_.emplace_back(std::to_string(micros));
}

std::string SetClause::Sql() const {
  std::string out;
  for (const auto& p : parts_) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

std::vector<const char*> SetClause::Params() const {
  std::vector<const char*> out;
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

std::string Micros(const std::string& column) {
  return "COALESCE((extract(epoch FROM " + column + ") * 1000000)::bigint, 0)";
}

Status CasFailure(pqxx::dbtransaction& txn, const Table& table, const std::string& id,
                  std::string_view expected) {
  auto r =
      txn.exec_params(std::string("SELECT status FROM ") + table.name + " WHERE id = $1::uuid", id);
  if (r.empty()) return Status::NotFound(std::string(table.kind) + " " + id + " not found");
  return Status::FailedPrecondition(std::string(table.kind) + " " + id + " is " + Text(r[0][0]) +
                                    ", expected " + std::string(expected));
}

}  // namespace bb::sql
