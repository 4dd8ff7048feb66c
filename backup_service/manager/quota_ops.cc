// Backup quotas: the admin's view and changes. The check itself runs inside the transactions
// that insert backup rows (db/quota_repository.h); nothing here can let a create past it.
#include "backup_service/common/validation.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {
namespace {

Status ValidateLimit(std::string_view key, const std::optional<int64_t>& limit) {
  if (!limit || (*limit >= kUnlimitedQuota && *limit <= kMaxQuotaLimit)) return Status::Ok();
  return Status::InvalidArgument(std::string(key) + " must be >= -1 and <= " +
                                 std::to_string(kMaxQuotaLimit) + " (-1 is unlimited)");
}

}  // namespace

Result<ProjectQuota> BackupManager::GetQuota(const std::string& project_id) {
  RETURN_IF_ERROR(ValidateProjectId("project", project_id));
  return quotas_.Get(project_id);
}

Result<ProjectQuota> BackupManager::UpdateQuota(const std::string& project_id,
                                                const QuotaUpdate& update) {
  RETURN_IF_ERROR(ValidateProjectId("project", project_id));
  RETURN_IF_ERROR(ValidateLimit("backups", update.backups));
  RETURN_IF_ERROR(ValidateLimit("backup_gigabytes", update.backup_gigabytes));
  return quotas_.Update(project_id, update);
}

Status BackupManager::ResetQuota(const std::string& project_id) {
  RETURN_IF_ERROR(ValidateProjectId("project", project_id));
  return quotas_.Reset(project_id);
}

}  // namespace bb
