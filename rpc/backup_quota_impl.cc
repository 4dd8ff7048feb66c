// BackupServiceImpl's quota calls (proto/backup.proto GetQuota ... ResetQuota): the same rules
// as the REST API's os-quota-sets (api/quota_handlers.cc): a project's own callers read its
// quotas, an admin reads and changes any project's; the limits and their checks are the
// manager's.
#include "rpc/backup_service_impl.h"
#include "rpc/record_conversion.h"
#include "rpc/status_mapping.h"

namespace bb {

Result<std::string> BackupServiceImpl::QuotaProject(const grpc::ServerContext& context,
                                                    const std::string& named, bool admin_only) {
  ASSIGN_OR_RETURN(auto own, auth_.ProjectOf(context));
  std::string target = named.empty() ? own : named;
  if (admin_only) {
    RETURN_IF_ERROR(auth_.RequireAdmin(context, "changing quotas"));
  } else if (target != own && !auth_.IsAdmin(context)) {
    // The REST API's policy message (cinder-facts §2.6), so both transports say the same.
    return Status::PermissionDenied(
        "Policy doesn't allow volume_extension:quotas:show to be performed.");
  }
  return target;
}

grpc::Status BackupServiceImpl::GetQuota(grpc::ServerContext* context,
                                         const v1::ProjectQuotaRequest* request,
                                         v1::ProjectQuota* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project, QuotaProject(*context, request->project_id(), false));
    ASSIGN_OR_RETURN(auto quota, backups_.GetQuota(project));
    *response = ToProto(project, quota);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::GetDefaultQuota(grpc::ServerContext* context,
                                                const v1::ProjectQuotaRequest* request,
                                                v1::QuotaSet* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(QuotaProject(*context, request->project_id(), false).status());
    *response = ToProto(backups_.DefaultQuota());
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::UpdateQuota(grpc::ServerContext* context,
                                            const v1::UpdateQuotaRequest* request,
                                            v1::ProjectQuota* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project, QuotaProject(*context, request->project_id(), true));
    QuotaUpdate update;
    if (request->has_backups()) update.backups = request->backups();
    if (request->has_backup_gigabytes()) update.backup_gigabytes = request->backup_gigabytes();
    ASSIGN_OR_RETURN(auto quota, backups_.UpdateQuota(project, update));
    *response = ToProto(project, quota);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::ResetQuota(grpc::ServerContext* context,
                                           const v1::ProjectQuotaRequest* request,
                                           v1::ResetQuotaResponse* /*response*/) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project, QuotaProject(*context, request->project_id(), true));
    return backups_.ResetQuota(project);
  });
}

}  // namespace bb
