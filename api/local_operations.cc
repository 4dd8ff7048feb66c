// The in-process operations: one manager call each (local_operations.h).
#include "api/local_operations.h"

namespace bb::api {

Result<Volume> LocalVolumeOperations::CreateVolume(const Who&, const CreateVolumeParams& p) {
  return volumes_.CreateVolume(p);
}

Result<ListedVolume> LocalVolumeOperations::GetVolume(const Who&, const std::string& project_id,
                                                      const std::string& volume_id) {
  ListedVolume out;
  ASSIGN_OR_RETURN(out.volume, volumes_.GetVolume(project_id, volume_id));
  ASSIGN_OR_RETURN(out.attachments, volumes_.ListAttachments(out.volume.id));
  return out;
}

Result<Page<ListedVolume>> LocalVolumeOperations::ListVolumes(const Who&,
                                                              const ListVolumesQuery& q) {
  return volumes_.ListVolumes(q);
}

Status LocalVolumeOperations::DeleteVolume(const Who&, const std::string& project_id,
                                           const std::string& volume_id) {
  return volumes_.DeleteVolume(project_id, volume_id);
}

Result<Attachment> LocalVolumeOperations::AttachVolume(const Who&, const std::string& project_id,
                                                       const std::string& volume_id,
                                                       const std::string& instance_uuid) {
  return volumes_.AttachVolume(project_id, volume_id, instance_uuid);
}

Result<ListedVolume> LocalVolumeOperations::DetachVolume(const Who&, const std::string& project_id,
                                                         const std::string& volume_id,
                                                         const std::string& attachment_id) {
  ListedVolume out;
  ASSIGN_OR_RETURN(out.volume, volumes_.DetachVolume(project_id, volume_id, attachment_id));
  ASSIGN_OR_RETURN(out.attachments, volumes_.ListAttachments(out.volume.id));
  return out;
}

Result<Attachment> LocalVolumeOperations::GetAttachment(const Who&, const std::string& project_id,
                                                        const std::string& attachment_id) {
  return volumes_.GetAttachment(project_id, attachment_id);
}

Result<Snapshot> LocalVolumeOperations::CreateSnapshot(const Who&, const CreateSnapshotParams& p) {
  return volumes_.CreateSnapshot(p);
}

Result<Snapshot> LocalVolumeOperations::GetSnapshot(const Who&, const std::string& project_id,
                                                    const std::string& snapshot_id) {
  return volumes_.GetSnapshot(project_id, snapshot_id);
}

Result<Page<Snapshot>> LocalVolumeOperations::ListSnapshots(const Who&,
                                                            const ListSnapshotsQuery& q) {
  return volumes_.ListSnapshots(q);
}

Status LocalVolumeOperations::DeleteSnapshot(const Who&, const std::string& project_id,
                                             const std::string& snapshot_id) {
  return volumes_.DeleteSnapshot(project_id, snapshot_id);
}

Result<Backup> LocalBackupOperations::CreateBackup(const Who&, const CreateBackupParams& p) {
  return backups_.CreateBackup(p);
}

Result<Backup> LocalBackupOperations::GetBackup(const Who&, const std::string& project_id,
                                                const std::string& backup_id) {
  return backups_.GetBackup(project_id, backup_id);
}

Result<Page<Backup>> LocalBackupOperations::ListBackups(const Who&, const ListBackupsQuery& q) {
  return backups_.ListBackups(q);
}

Status LocalBackupOperations::DeleteBackup(const Who&, const std::string& project_id,
                                           const std::string& backup_id, bool force) {
  return backups_.DeleteBackup(project_id, backup_id, force).status();
}

Result<RestoreAccepted> LocalBackupOperations::RestoreBackup(const Who&, const RestoreParams& p) {
  ASSIGN_OR_RETURN(auto started, backups_.RestoreBackup(p));
  return RestoreAccepted{.backup_id = started.backup.id,
                         .volume_id = started.volume.id,
                         .volume_name = started.volume.name};
}

Result<Backup> LocalBackupOperations::UpdateBackup(const Who&, const std::string& project_id,
                                                   const std::string& backup_id,
                                                   const std::optional<std::string>& name,
                                                   const std::optional<std::string>& description) {
  return backups_.UpdateBackup(project_id, backup_id, name, description);
}

Result<BackupRecordWire> LocalBackupOperations::ExportBackupRecord(const Who&,
                                                                   const std::string& project_id,
                                                                   const std::string& backup_id) {
  return backups_.ExportBackupRecord(project_id, backup_id);
}

Result<Backup> LocalBackupOperations::ImportBackupRecord(const Who&, const std::string& project_id,
                                                         const BackupRecordWire& record) {
  return backups_.ImportBackupRecord(project_id, record);
}

Status LocalBackupOperations::ResetBackupStatus(const Who&, const std::string& backup_id,
                                                const std::string& status) {
  return backups_.ResetBackupStatus(backup_id, status).status();
}

Result<ProjectQuota> LocalBackupOperations::GetQuota(const Who&, const std::string& project_id) {
  return backups_.GetQuota(project_id);
}

Result<ProjectQuota> LocalBackupOperations::UpdateQuota(const Who&, const std::string& project_id,
                                                        const QuotaUpdate& update) {
  return backups_.UpdateQuota(project_id, update);
}

Status LocalBackupOperations::ResetQuota(const Who&, const std::string& project_id) {
  return backups_.ResetQuota(project_id);
}

Result<QuotaLimits> LocalBackupOperations::DefaultQuota(const Who&) {
  return backups_.DefaultQuota();
}

}  // namespace bb::api
