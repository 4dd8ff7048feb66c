// Progress observations for WatchBackup/WatchRestore. The registry is read before the row: a job
// that ends between the two reads then shows as a resting row (its final numbers), never as a
// transitional row without its live counters (stale by up to a second).
#include <chrono>

#include "backup_service/common/validation.h"
#include "backup_service/manager/backup_manager.h"

namespace bb {

Result<ProgressSnapshot> BackupManager::Progress(const std::string& project_id,
                                                 const std::string& backup_id,
                                                 const std::string& restore_volume_id) {
  RETURN_IF_ERROR(ValidateUuid("backup_id", backup_id));
  ProgressSnapshot s;
  s.live = FindJob(backup_id);
  s.finished = jobs_.FindFinished(backup_id);
  ASSIGN_OR_RETURN(s.backup, backups_.Get(backup_id, project_id));
  s.now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (!restore_volume_id.empty() && s.backup.status != BackupStatus::kRestoring) {
    auto volume = volumes_.GetVolume(project_id, restore_volume_id);
    if (volume.ok()) {
      s.restore_target_status = volume->status;
    } else if (volume.status().code() != StatusCode::kNotFound) {
      return volume.status();
    }
  }
  return s;
}

}  // namespace bb
