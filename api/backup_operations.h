// BackupOperations: what the REST handlers ask of the backup side (backups, their records and
// the project quotas). Implemented by the BackupManager in this process (api/local_operations.h)
// and by gRPC calls to the daemon that runs the backups (role api;
// rpc/remote_api_operations.h). As VolumeOperations: the caller's credential travels with every
// call and the owner's Status comes back unchanged.
// Thread-safety: implementations may be called concurrently.
#pragma once

#include <optional>
#include <string>

#include "api/volume_operations.h"
#include "backup_service/manager/backup_manager.h"
#include "backup_service/model/quotas.h"

namespace bb::api {

// What a started restore tells the REST caller.
struct RestoreAccepted {
  std::string backup_id;
  std::string volume_id;
  std::string volume_name;
};

class BackupOperations {
 public:
  virtual ~BackupOperations() = default;
  using Who = CallCredential;

  virtual Result<Backup> CreateBackup(const Who& who, const CreateBackupParams& p) = 0;
  virtual Result<Backup> GetBackup(const Who& who, const std::string& project_id,
                                   const std::string& backup_id) = 0;
  virtual Result<Page<Backup>> ListBackups(const Who& who, const ListBackupsQuery& q) = 0;
  virtual Status DeleteBackup(const Who& who, const std::string& project_id,
                              const std::string& backup_id, bool force) = 0;
  virtual Result<RestoreAccepted> RestoreBackup(const Who& who, const RestoreParams& p) = 0;
  virtual Result<Backup> UpdateBackup(const Who& who, const std::string& project_id,
                                      const std::string& backup_id,
                                      const std::optional<std::string>& name,
                                      const std::optional<std::string>& description) = 0;
  virtual Result<BackupRecordWire> ExportBackupRecord(const Who& who, const std::string& project_id,
                                                      const std::string& backup_id) = 0;
  virtual Result<Backup> ImportBackupRecord(const Who& who, const std::string& project_id,
                                            const BackupRecordWire& record) = 0;
  virtual Status ResetBackupStatus(const Who& who, const std::string& backup_id,
                                   const std::string& status) = 0;

  virtual Result<ProjectQuota> GetQuota(const Who& who, const std::string& project_id) = 0;
  virtual Result<ProjectQuota> UpdateQuota(const Who& who, const std::string& project_id,
                                           const QuotaUpdate& update) = 0;
  virtual Status ResetQuota(const Who& who, const std::string& project_id) = 0;
  virtual Result<QuotaLimits> DefaultQuota(const Who& who) = 0;
};

}  // namespace bb::api
