// BackupServiceImpl: the gRPC BackupService (proto/backup.proto) over a BackupManager.
// Create/Delete/Restore return as soon as the manager has persisted the first transition; the
// job runs on the manager's workers. Admin requests are checked here (CallAuth); the manager
// owns every other rule.
// Thread-safety: handlers run concurrently on gRPC's threads; BackupManager is thread-safe and
// outlives this object.
#pragma once

#include "backup.grpc.pb.h"
#include "backup_service/manager/backup_manager.h"
#include "rpc/call_auth.h"
#include "rpc/watch_stream.h"

namespace bb {

class BackupServiceImpl final : public v1::BackupService::Service {
 public:
  BackupServiceImpl(BackupManager& backups, const CallAuth& auth)
      : backups_(backups), auth_(auth) {}

  grpc::Status CreateBackup(grpc::ServerContext* context, const v1::CreateBackupRequest* request,
                            v1::Backup* response) override;
  grpc::Status GetBackup(grpc::ServerContext* context, const v1::GetBackupRequest* request,
                         v1::Backup* response) override;
  grpc::Status ListBackups(grpc::ServerContext* context, const v1::ListBackupsRequest* request,
                           v1::ListBackupsResponse* response) override;
  grpc::Status DeleteBackup(grpc::ServerContext* context, const v1::DeleteBackupRequest* request,
                            v1::Backup* response) override;
  grpc::Status RestoreBackup(grpc::ServerContext* context, const v1::RestoreBackupRequest* request,
                             v1::RestoreBackupResponse* response) override;
  grpc::Status CancelRestore(grpc::ServerContext* context, const v1::CancelRestoreRequest* request,
                             v1::CancelRestoreResponse* response) override;

  grpc::Status UpdateBackup(grpc::ServerContext* context, const v1::UpdateBackupRequest* request,
                            v1::Backup* response) override;
  grpc::Status ExportBackupRecord(grpc::ServerContext* context,
                                  const v1::ExportBackupRecordRequest* request,
                                  v1::BackupRecord* response) override;
  grpc::Status ImportBackupRecord(grpc::ServerContext* context,
                                  const v1::ImportBackupRecordRequest* request,
                                  v1::Backup* response) override;
  grpc::Status ResetBackupStatus(grpc::ServerContext* context,
                                 const v1::ResetBackupStatusRequest* request,
                                 v1::Backup* response) override;
  grpc::Status VerifyBackup(grpc::ServerContext* context, const v1::VerifyBackupRequest* request,
                            v1::VerifyBackupResponse* response) override;
  grpc::Status RebuildCatalog(grpc::ServerContext* context,
                              const v1::RebuildCatalogRequest* request,
                              v1::RebuildCatalogResponse* response) override;
  grpc::Status CollectGarbage(grpc::ServerContext* context,
                              const v1::CollectGarbageRequest* request,
                              v1::CollectGarbageResponse* response) override;
  grpc::Status WatchBackup(grpc::ServerContext* context, const v1::WatchRequest* request,
                           grpc::ServerWriter<v1::Progress>* writer) override;
  grpc::Status WatchRestore(grpc::ServerContext* context, const v1::WatchRequest* request,
                            grpc::ServerWriter<v1::Progress>* writer) override;

  grpc::Status GetQuota(grpc::ServerContext* context, const v1::ProjectQuotaRequest* request,
                        v1::ProjectQuota* response) override;
  grpc::Status GetDefaultQuota(grpc::ServerContext* context, const v1::ProjectQuotaRequest* request,
                               v1::QuotaSet* response) override;
  grpc::Status UpdateQuota(grpc::ServerContext* context, const v1::UpdateQuotaRequest* request,
                           v1::ProjectQuota* response) override;
  grpc::Status ResetQuota(grpc::ServerContext* context, const v1::ProjectQuotaRequest* request,
                          v1::ResetQuotaResponse* response) override;

  // Ends every open watch, and any started later after its first message (UNAVAILABLE). Called
  // first on server shutdown, whose grace period would otherwise wait for the watched jobs.
  void StopWatches() { watch_stop_.Stop(); }

 private:
  grpc::Status Watch(WatchKind kind, grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::Progress>* writer);
  // The record plus what this daemon's job on it is doing (job_phase, queue_position).
  v1::Backup WithLocalJob(const Backup& backup);
  // The project a quota call is about: the request's (the caller's when empty); a non-admin
  // naming another project is PERMISSION_DENIED with the REST API's policy message.
  Result<std::string> QuotaProject(const grpc::ServerContext& context, const std::string& named,
                                   bool admin_only);

  BackupManager& backups_;
  const CallAuth& auth_;  // who each call acts for (the auth interceptor's verdict)
  WatchStop watch_stop_;
};

}  // namespace bb
