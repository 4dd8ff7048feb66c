// /v3/{project}/backups: create, list (summary and detail), show, update, delete, restore,
// export/import of records, and the os-reset_status/os-force_delete actions. Each handler parses
// and checks the request (the bodies: backup_requests.h), then makes ONE BackupManager call: the
// rules (volume status, force, snapshot ownership, incremental parent, ...) are the manager's, the
// same as over gRPC.
#include "api/backup_operations.h"
#include "api/backup_requests.h"
#include "api/json_body.h"
#include "api/list_params.h"
#include "api/route.h"
#include "api/views.h"

namespace bb::api {
namespace {

Result<ApiResponse> Create(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto body, ParseBackupCreate(r.body));
  CreateBackupParams params{.project_id = r.caller.project_id,
                            .volume_id = body.volume_id,
                            .name = body.name,
                            .description = body.description,
                            .force = body.force,
                            .incremental = body.incremental,
                            .snapshot_id = body.snapshot_id,
                            .container = body.container};
  ASSIGN_OR_RETURN(auto backup, backups.CreateBackup(r.credential, params));
  return Json(202, {{"backup", BackupSummary(r, backup)}});
}

Result<ApiResponse> List(BackupOperations& backups, const ApiRequest& r, bool detail) {
  ASSIGN_OR_RETURN(auto params, ParseListParams(r, {"name", "status", "volume_id"}));
  ListBackupsQuery query{.project_id = r.caller.project_id,
                         .volume_id = params.filters["volume_id"],
                         .name = params.filters["name"],
                         .status = params.filters["status"],
                         .page = params.page};
  ASSIGN_OR_RETURN(auto page, backups.ListBackups(r.credential, query));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : page.records) {
    list.push_back(detail ? BackupDetail(r, b) : BackupSummary(r, b));
  }
  nlohmann::json out = {{"backups", list}};
  if (auto links = NextLinks(r, page.next_marker); !links.is_null()) out["backups_links"] = links;
  if (page.count >= 0) out["count"] = page.count;
  return Json(200, out);
}

Result<ApiResponse> Show(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto backup,
                   backups.GetBackup(r.credential, r.lookup_project(), r.path_args[0]));
  return Json(200, {{"backup", BackupDetail(r, backup)}});
}

Result<ApiResponse> Update(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto body, ParseBackupUpdate(r.body));
  ASSIGN_OR_RETURN(auto backup, backups.UpdateBackup(r.credential, r.lookup_project(),
                                                     r.path_args[0], body.name, body.description));
  return Json(200, {{"backup", BackupSummary(r, backup)}});
}

Result<ApiResponse> Delete(BackupOperations& backups, const ApiRequest& r) {
  RETURN_IF_ERROR(backups.DeleteBackup(r.credential, r.lookup_project(), r.path_args[0], false));
  return Empty(202);
}

Result<ApiResponse> Restore(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto body, ParseBackupRestore(r.body));
  RestoreParams params{.project_id = r.caller.project_id,
                       .backup_id = r.path_args[0],
                       .volume_id = body.volume_id,
                       .name = body.name};
  ASSIGN_OR_RETURN(auto started, backups.RestoreBackup(r.credential, params));
  return Json(202, {{"restore",
                     {{"backup_id", started.backup_id},
                      {"volume_id", started.volume_id},
                      {"volume_name", started.volume_name}}}});
}

Result<ApiResponse> Export(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto record,
                   backups.ExportBackupRecord(r.credential, r.lookup_project(), r.path_args[0]));
  return Json(200,
              {{"backup-record",
                {{"backup_service", record.backup_service}, {"backup_url", record.backup_url}}}});
}

Result<ApiResponse> Import(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto body, ParseBackupImport(r.body));
  ASSIGN_OR_RETURN(auto backup, backups.ImportBackupRecord(
                                    r.credential, r.caller.project_id,
                                    BackupRecordWire{.backup_service = body.backup_service,
                                                     .backup_url = body.backup_url}));
  return Json(201, {{"backup", BackupSummary(r, backup)}});
}

// POST /backups/{id}/action: os-reset_status {"status": "available"|"error"} and
// os-force_delete {} (both admin).
Result<ApiResponse> Action(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto action, ParseActionBody(r.body));
  const auto& [name, value] = action;
  if (name == "os-reset_status") {
    RETURN_IF_ERROR(RequireRole(r, ApiRole::kAdmin, "backup:backup-reset_status"));
    ASSIGN_OR_RETURN(auto status, ParseResetStatusArgs(value));
    // The id lookup first: another project's backup is NotFound for everyone but an admin.
    RETURN_IF_ERROR(backups.ResetBackupStatus(r.credential, r.path_args[0], status));
    return Empty(202);
  }
  if (name == "os-force_delete") {
    RETURN_IF_ERROR(RequireRole(r, ApiRole::kAdmin, "backup:force_delete"));
    RETURN_IF_ERROR(ParseForceDeleteArgs(value));
    RETURN_IF_ERROR(backups.DeleteBackup(r.credential, r.lookup_project(), r.path_args[0], true));
    return Empty(202);
  }
  std::string shown = name.substr(0, 64);
  return Status::InvalidArgument("There is no such action: " + shown);
}

}  // namespace

std::vector<Route> BackupRoutes(BackupOperations& b) {
  using R = ApiRole;
  auto bind = [&b](Result<ApiResponse> (*fn)(BackupOperations&, const ApiRequest&)) {
    return [&b, fn](const ApiRequest& r) { return fn(b, r); };
  };
  return {
      {"POST", "/backups", R::kMember, kMinApiVersion, bind(Create)},
      {"GET", "/backups", R::kReader, kMinApiVersion,
       [&b](const ApiRequest& r) { return List(b, r, false); }},
      {"GET", "/backups/detail", R::kReader, kMinApiVersion,
       [&b](const ApiRequest& r) { return List(b, r, true); }},
      {"POST", "/backups/import_record", R::kAdmin, kMinApiVersion, bind(Import)},
      {"GET", "/backups/([^/]+)", R::kReader, kMinApiVersion, bind(Show)},
      {"PUT", "/backups/([^/]+)", R::kMember, ApiVersion{3, 9}, bind(Update)},
      {"DELETE", "/backups/([^/]+)", R::kMember, kMinApiVersion, bind(Delete)},
      {"POST", "/backups/([^/]+)/restore", R::kMember, kMinApiVersion, bind(Restore)},
      {"GET", "/backups/([^/]+)/export_record", R::kAdmin, kMinApiVersion, bind(Export)},
      {"POST", "/backups/([^/]+)/action", R::kMember, kMinApiVersion, bind(Action)},
  };
}

}  // namespace bb::api
