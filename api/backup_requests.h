// The request bodies of the backup calls, parsed and checked with Cinder's schema rules
// (api/schemas/backups.py): what a handler hands to BackupManager, before any manager call.
// Pure functions, so the unit tests and the fuzzer (api/fuzz/) call exactly what the handlers
// call. Field checks the managers repeat (UUIDs, lengths) are the managers' too; the schema's
// are here (unknown properties, types, nulls).
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "backup_service/common/result.h"

namespace bb::api {

// POST /backups {"backup": {...}}. Empty strings for what was not given.
struct BackupCreateBody {
  std::string volume_id;
  std::string container;
  std::string name;
  std::string description;
  std::string snapshot_id;
  bool force = false;
  bool incremental = false;
};
Result<BackupCreateBody> ParseBackupCreate(std::string_view body);

// PUT /backups/{id} {"backup": {"name", "description"}} (unset: kept).
struct BackupUpdateBody {
  std::optional<std::string> name;
  std::optional<std::string> description;
};
Result<BackupUpdateBody> ParseBackupUpdate(std::string_view body);

// POST /backups/{id}/restore {"restore": {"volume_id", "name"}}; empty volume_id: a new volume.
struct BackupRestoreBody {
  std::string volume_id;
  std::string name;
};
Result<BackupRestoreBody> ParseBackupRestore(std::string_view body);

// POST /backups/import_record {"backup-record": {"backup_service", "backup_url"}}.
struct BackupImportBody {
  std::string backup_service;
  std::string backup_url;
};
Result<BackupImportBody> ParseBackupImport(std::string_view body);

// The argument of os-reset_status: "available" or "error".
Result<std::string> ParseResetStatusArgs(const nlohmann::json& value);
// The argument of os-force_delete: null or an empty object.
Status ParseForceDeleteArgs(const nlohmann::json& value);

}  // namespace bb::api
