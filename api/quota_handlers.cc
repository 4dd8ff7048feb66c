// /v3/{project}/os-quota-sets/{target}: Cinder's quota API for the backup keys, so that
// `cinder quota-show`, `quota-usage`, `quota-defaults`, `quota-update --backups N` and
// `quota-delete` work. Show and defaults: the target's own readers, or an admin for any project
// (Cinder's SYSTEM_READER_OR_PROJECT_READER on the target); update and delete: admin. Only
// `backups` and `backup_gigabytes` exist here: there are no volume quotas.
#include "api/backup_operations.h"
#include "api/list_params.h"
#include "api/quota_body.h"
#include "api/route.h"

namespace bb::api {
namespace {

// Cinder's policy on the target project: a non-admin reads only its own project's quotas.
Status RequireOwnProjectOrAdmin(const ApiRequest& r, const std::string& target) {
  if (r.is_admin() || target == r.caller.project_id) return Status::Ok();
  return Status::PermissionDenied(
      "Policy doesn't allow volume_extension:quotas:show to be performed.");
}

nlohmann::json Limits(const QuotaLimits& l) {
  return {{"backups", l.backups}, {"backup_gigabytes", l.backup_gigabytes}};
}

// ?usage=true: each key as {"limit", "in_use", "reserved"} (reservations are not kept apart
// here: a backup counts from the moment its row exists, so reserved is always 0).
nlohmann::json WithUsage(const ProjectQuota& q) {
  auto entry = [](int64_t limit, int64_t in_use) {
    return nlohmann::json{{"limit", limit}, {"in_use", in_use}, {"reserved", 0}};
  };
  return {{"backups", entry(q.limits.backups, q.in_use.backups)},
          {"backup_gigabytes", entry(q.limits.backup_gigabytes, q.in_use.backup_gigabytes)}};
}

Result<ApiResponse> Show(BackupOperations& backups, const ApiRequest& r) {
  const std::string& target = r.path_args[0];
  RETURN_IF_ERROR(RequireOwnProjectOrAdmin(r, target));
  bool usage = false;
  if (auto it = r.query.find("usage"); it != r.query.end()) {
    ASSIGN_OR_RETURN(usage, ParseBoolParam("usage", it->second));
  }
  ASSIGN_OR_RETURN(auto quota, backups.GetQuota(r.credential, target));
  nlohmann::json set = usage ? WithUsage(quota) : Limits(quota.limits);
  set["id"] = target;
  return Json(200, {{"quota_set", set}});
}

Result<ApiResponse> Defaults(BackupOperations& backups, const ApiRequest& r) {
  const std::string& target = r.path_args[0];
  RETURN_IF_ERROR(RequireOwnProjectOrAdmin(r, target));
  ASSIGN_OR_RETURN(auto defaults, backups.DefaultQuota(r.credential));
  nlohmann::json set = Limits(defaults);
  set["id"] = target;
  return Json(200, {{"quota_set", set}});
}

Result<ApiResponse> Update(BackupOperations& backups, const ApiRequest& r) {
  ASSIGN_OR_RETURN(auto update, ParseQuotaSetBody(r.body));
  ASSIGN_OR_RETURN(auto quota, backups.UpdateQuota(r.credential, r.path_args[0], update));
  return Json(200, {{"quota_set", Limits(quota.limits)}});
}

Result<ApiResponse> Delete(BackupOperations& backups, const ApiRequest& r) {
  RETURN_IF_ERROR(backups.ResetQuota(r.credential, r.path_args[0]));
  return Empty(200);
}

}  // namespace

std::vector<Route> QuotaRoutes(BackupOperations& b) {
  using R = ApiRole;
  auto bind = [&b](Result<ApiResponse> (*fn)(BackupOperations&, const ApiRequest&)) {
    return [&b, fn](const ApiRequest& r) { return fn(b, r); };
  };
  return {
      {"GET", "/os-quota-sets/([^/]+)/defaults", R::kReader, kMinApiVersion, bind(Defaults)},
      {"GET", "/os-quota-sets/([^/]+)", R::kReader, kMinApiVersion, bind(Show)},
      {"PUT", "/os-quota-sets/([^/]+)", R::kAdmin, kMinApiVersion, bind(Update)},
      {"DELETE", "/os-quota-sets/([^/]+)", R::kAdmin, kMinApiVersion, bind(Delete)},
  };
}

}  // namespace bb::api
