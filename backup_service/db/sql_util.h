// Helpers shared by the repositories: a parameterised SET-clause builder (values are always bound
// parameters, never spliced into SQL) and row-field readers. Internal to backup_service/db.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "backup_service/common/status.h"

namespace bb::sql {

// Builds "col1 = $3::type, col2 = now(), ..." with parameters numbered after the fixed ones.
class SetClause {
 public:
  explicit SetClause(int first_param) : next_(first_param) {}
  // `cast` is an SQL type name ("text", "uuid", "bigint"); empty string values of uuid columns
  // are stored as NULL.
  void Set(const std::string& column, std::string value, const std::string& cast = "text");
  void SetNull(const std::string& column);
  void SetNow(const std::string& column);
  void SetFromMicros(const std::string& column, int64_t micros);  // 0 = NULL
  bool empty() const { return parts_.empty(); }
  std::string Sql() const;
  // Parameter values for exec_params (nullptr = SQL NULL); valid while this object lives.
  std::vector<const char*> Params() const;

 private:
  int next_;
  std::vector<std::string> parts_;
  std::vector<std::optional<std::string>> values_;
};

// The aggregates whose status column the compare-and-swap helpers know.
struct Table {
  const char* name;  // SQL table (a constant, never user input)
  const char* kind;  // word used in messages
};
inline constexpr Table kVolume{"volumes", "volume"};
inline constexpr Table kSnapshot{"snapshots", "snapshot"};
inline constexpr Table kBackup{"backups", "backup"};

// Explains a compare-and-swap that matched no row: NotFound, or FailedPrecondition naming the
// status the record actually has.
Status CasFailure(pqxx::dbtransaction& txn, const Table& table, const std::string& id,
                  std::string_view expected);

// Expression selecting a timestamptz column as Unix epoch microseconds (0 when NULL).
std::string Micros(const std::string& column);

inline std::string Text(const pqxx::field& f) { return f.is_null() ? "" : f.as<std::string>(); }
inline int64_t Int(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }
inline bool Bool(const pqxx::field& f) { return !f.is_null() && f.as<bool>(); }

}  // namespace bb::sql
