// The in-process VolumeOperations and BackupOperations: thin adapters over VolumeManager and
// BackupManager (roles all, volume and backup). They ignore the credential: ApiServer has
// authenticated the request and the handlers pass the caller's project. Behaviour is the
// managers', unchanged.
// Thread-safety: as the managers (every method may be called concurrently).
#pragma once

#include "api/backup_operations.h"
#include "api/volume_operations.h"

namespace bb::api {

class LocalVolumeOperations final : public VolumeOperations {
 public:
  explicit LocalVolumeOperations(VolumeManager& volumes) : volumes_(volumes) {}

  Result<Volume> CreateVolume(const Who&, const CreateVolumeParams& p) override;
  Result<ListedVolume> GetVolume(const Who&, const std::string& project_id,
                                 const std::string& volume_id) override;
  Result<Page<ListedVolume>> ListVolumes(const Who&, const ListVolumesQuery& q) override;
  Status DeleteVolume(const Who&, const std::string& project_id,
                      const std::string& volume_id) override;
  Result<Attachment> AttachVolume(const Who&, const std::string& project_id,
                                  const std::string& volume_id,
                                  const std::string& instance_uuid) override;
  Result<ListedVolume> DetachVolume(const Who&, const std::string& project_id,
                                    const std::string& volume_id,
                                    const std::string& attachment_id) override;
  Result<Attachment> GetAttachment(const Who&, const std::string& project_id,
                                   const std::string& attachment_id) override;
  Result<Snapshot> CreateSnapshot(const Who&, const CreateSnapshotParams& p) override;
  Result<Snapshot> GetSnapshot(const Who&, const std::string& project_id,
                               const std::string& snapshot_id) override;
  Result<Page<Snapshot>> ListSnapshots(const Who&, const ListSnapshotsQuery& q) override;
  Status DeleteSnapshot(const Who&, const std::string& project_id,
                        const std::string& snapshot_id) override;

 private:
  VolumeManager& volumes_;
};

class LocalBackupOperations final : public BackupOperations {
 public:
  explicit LocalBackupOperations(BackupManager& backups) : backups_(backups) {}

  Result<Backup> CreateBackup(const Who&, const CreateBackupParams& p) override;
  Result<Backup> GetBackup(const Who&, const std::string& project_id,
                           const std::string& backup_id) override;
  Result<Page<Backup>> ListBackups(const Who&, const ListBackupsQuery& q) override;
  Status DeleteBackup(const Who&, const std::string& project_id, const std::string& backup_id,
                      bool force) override;
  Result<RestoreAccepted> RestoreBackup(const Who&, const RestoreParams& p) override;
  Result<Backup> UpdateBackup(const Who&, const std::string& project_id,
                              const std::string& backup_id, const std::optional<std::string>& name,
                              const std::optional<std::string>& description) override;
  Result<BackupRecordWire> ExportBackupRecord(const Who&, const std::string& project_id,
                                              const std::string& backup_id) override;
  Result<Backup> ImportBackupRecord(const Who&, const std::string& project_id,
                                    const BackupRecordWire& record) override;
  Status ResetBackupStatus(const Who&, const std::string& backup_id,
                           const std::string& status) override;
  Result<ProjectQuota> GetQuota(const Who&, const std::string& project_id) override;
  Result<ProjectQuota> UpdateQuota(const Who&, const std::string& project_id,
                                   const QuotaUpdate& update) override;
  Status ResetQuota(const Who&, const std::string& project_id) override;
  Result<QuotaLimits> DefaultQuota(const Who&) override;

 private:
  BackupManager& backups_;
};

}  // namespace bb::api
