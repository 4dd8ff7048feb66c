// Update backup: name and description only; any status but deleted (the columns do not take part
// in any status transition, so no compare-and-swap is needed).
#include "backup_service/common/validation.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

Result<Backup> BackupManager::UpdateBackup(const std::string& project_id,
                                           const std::string& backup_id,
                                           const std::optional<std::string>& name,
                                           const std::optional<std::string>& description) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", backup_id));
  if (!name && !description) {
    return Status::InvalidArgument("nothing to update: give a name and/or a description");
  }
  if (name) RETURN_IF_ERROR(ValidateText("name", *name, kMaxNameBytes));
  if (description) RETURN_IF_ERROR(ValidateText("description", *description, kMaxNameBytes));
  return backups_.UpdateInfo(backup_id, project_id, name, description);
}

}  // namespace bb
