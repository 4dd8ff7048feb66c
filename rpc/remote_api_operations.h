// Role api's operations: the REST API's VolumeOperations and BackupOperations as gRPC calls to
// the daemons that own them (VolumeService at volume_service_address, BackupService at
// backup_service_address: role all, volume or backup daemons). Every call carries the REST
// caller's own token (x-auth-token) and nothing else: the daemon called runs grpc_auth = token
// and checks it against the same PostgreSQL token table, so it acts in the token's project with
// the token's role, and role api gains no privilege (no operator token, no x-project-id).
// Answers come back with their code and message unchanged (rpc/status_mapping.h), except that
// the quota hint gRPC appends to Cinder's over-quota message is removed (the REST body keeps
// Cinder's text). Transport failures (UNAVAILABLE, DEADLINE_EXCEEDED) name the address.
// The header is free of gRPC types (cmd/backupd includes it).
// Thread-safety: all methods may be called concurrently (one shared channel per service).
#pragma once

#include <memory>
#include <string>

#include "api/backup_operations.h"
#include "api/volume_operations.h"
#include "rpc/client_tls_files.h"

namespace bb {

class RemoteVolumeOperations final : public api::VolumeOperations {
 public:
  // No call is made here (the channel connects on first use); InvalidArgument for bad TLS
  // files.
  static Result<std::unique_ptr<RemoteVolumeOperations>> Connect(const std::string& address,
                                                                 const ClientTlsFiles& tls);
  ~RemoteVolumeOperations() override;

  // Ok when the daemon refuses a call without a valid token (UNAUTHENTICATED: it runs
  // grpc_auth = token, so it will check the tokens forwarded to it); FailedPrecondition saying
  // so when it answers one (grpc_auth = trusted-header); its transport error (UNAVAILABLE, ...)
  // when it cannot be asked now.
  Status CheckChecksTokens();

  Result<Volume> CreateVolume(const Who& who, const CreateVolumeParams& p) override;
  Result<ListedVolume> GetVolume(const Who& who, const std::string& project_id,
                                 const std::string& volume_id) override;
  Result<Page<ListedVolume>> ListVolumes(const Who& who, const ListVolumesQuery& q) override;
  Status DeleteVolume(const Who& who, const std::string& project_id,
                      const std::string& volume_id) override;
  Result<Attachment> AttachVolume(const Who& who, const std::string& project_id,
                                  const std::string& volume_id,
                                  const std::string& instance_uuid) override;
  Result<ListedVolume> DetachVolume(const Who& who, const std::string& project_id,
                                    const std::string& volume_id,
                                    const std::string& attachment_id) override;
  Result<Attachment> GetAttachment(const Who& who, const std::string& project_id,
                                   const std::string& attachment_id) override;
  Result<Snapshot> CreateSnapshot(const Who& who, const CreateSnapshotParams& p) override;
  Result<Snapshot> GetSnapshot(const Who& who, const std::string& project_id,
                               const std::string& snapshot_id) override;
  Result<Page<Snapshot>> ListSnapshots(const Who& who, const ListSnapshotsQuery& q) override;
  Status DeleteSnapshot(const Who& who, const std::string& project_id,
                        const std::string& snapshot_id) override;

 private:
  struct Impl;
  explicit RemoteVolumeOperations(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class RemoteBackupOperations final : public api::BackupOperations {
 public:
  static Result<std::unique_ptr<RemoteBackupOperations>> Connect(const std::string& address,
                                                                 const ClientTlsFiles& tls);
  ~RemoteBackupOperations() override;

  // As RemoteVolumeOperations::CheckChecksTokens.
  Status CheckChecksTokens();

  Result<Backup> CreateBackup(const Who& who, const CreateBackupParams& p) override;
  Result<Backup> GetBackup(const Who& who, const std::string& project_id,
                           const std::string& backup_id) override;
  Result<Page<Backup>> ListBackups(const Who& who, const ListBackupsQuery& q) override;
  Status DeleteBackup(const Who& who, const std::string& project_id, const std::string& backup_id,
                      bool force) override;
  Result<api::RestoreAccepted> RestoreBackup(const Who& who, const RestoreParams& p) override;
  Result<Backup> UpdateBackup(const Who& who, const std::string& project_id,
                              const std::string& backup_id, const std::optional<std::string>& name,
                              const std::optional<std::string>& description) override;
  Result<BackupRecordWire> ExportBackupRecord(const Who& who, const std::string& project_id,
                                              const std::string& backup_id) override;
  Result<Backup> ImportBackupRecord(const Who& who, const std::string& project_id,
                                    const BackupRecordWire& record) override;
  Status ResetBackupStatus(const Who& who, const std::string& backup_id,
                           const std::string& status) override;
  Result<ProjectQuota> GetQuota(const Who& who, const std::string& project_id) override;
  Result<ProjectQuota> UpdateQuota(const Who& who, const std::string& project_id,
                                   const QuotaUpdate& update) override;
  Status ResetQuota(const Who& who, const std::string& project_id) override;
  Result<QuotaLimits> DefaultQuota(const Who& who) override;

 private:
  struct Impl;
  explicit RemoteBackupOperations(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bb
