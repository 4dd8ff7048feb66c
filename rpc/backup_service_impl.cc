// BackupServiceImpl: thin handlers. Pattern: project -> ids -> one manager call -> ToProto.
#include "rpc/backup_service_impl.h"

#include <string>

#include "rpc/project_context.h"
#include "rpc/record_conversion.h"
#include "rpc/status_mapping.h"

namespace bb {
namespace {

grpc::Status NextIssue(const char* rpc) {
  return ToGrpcStatus(Status::Unimplemented(std::string(rpc) + " is not implemented yet"));
}

}  // namespace

grpc::Status BackupServiceImpl::CreateBackup(grpc::ServerContext* context,
                                             const v1::CreateBackupRequest* request,
                                             v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, ProjectIdFromContext(*context));
    CreateBackupParams params{.project_id = project_id,
                              .volume_id = request->volume_id(),
                              .name = request->name(),
                              .description = request->description(),
                              .force = request->force(),
                              .incremental = request->incremental(),
                              .snapshot_id = request->snapshot_id(),
                              .container = request->container()};
    ASSIGN_OR_RETURN(auto backup, backups_.CreateBackup(params));
    *response = ToProto(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::GetBackup(grpc::ServerContext* context,
                                          const v1::GetBackupRequest* request,
                                          v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, ProjectIdFromContext(*context));
    ASSIGN_OR_RETURN(auto backup, backups_.GetBackup(project_id, request->backup_id()));
    *response = ToProto(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::ListBackups(grpc::ServerContext* context,
                                            const v1::ListBackupsRequest* request,
                                            v1::ListBackupsResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, ProjectIdFromContext(*context));
    ASSIGN_OR_RETURN(auto backups, backups_.ListBackups(project_id, request->volume_id()));
    for (const auto& backup : backups) *response->add_backups() = ToProto(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::DeleteBackup(grpc::ServerContext* context,
                                             const v1::DeleteBackupRequest* request,
                                             v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, ProjectIdFromContext(*context));
    if (request->force()) RETURN_IF_ERROR(auth_.RequireOperator(*context, "force delete"));
    ASSIGN_OR_RETURN(auto backup,
                     backups_.DeleteBackup(project_id, request->backup_id(), request->force()));
    *response = ToProto(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::RestoreBackup(grpc::ServerContext* context,
                                              const v1::RestoreBackupRequest* request,
                                              v1::RestoreBackupResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, ProjectIdFromContext(*context));
    RestoreParams params{.project_id = project_id,
                         .backup_id = request->backup_id(),
                         .volume_id = request->volume_id(),
                         .name = request->name()};
    ASSIGN_OR_RETURN(auto started, backups_.RestoreBackup(params));
    response->set_backup_id(started.backup.id);
    response->set_volume_id(started.volume.id);
    response->set_volume_name(started.volume.name);
    *response->mutable_backup() = ToProto(started.backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::UpdateBackup(grpc::ServerContext* /*context*/,
                                             const v1::UpdateBackupRequest* /*request*/,
                                             v1::Backup* /*response*/) {
  return NextIssue("UpdateBackup");
}

grpc::Status BackupServiceImpl::ExportBackupRecord(grpc::ServerContext* /*context*/,
                                                   const v1::ExportBackupRecordRequest* /*request*/,
                                                   v1::BackupRecord* /*response*/) {
  return NextIssue("ExportBackupRecord");
}

grpc::Status BackupServiceImpl::ImportBackupRecord(grpc::ServerContext* /*context*/,
                                                   const v1::ImportBackupRecordRequest* /*request*/,
                                                   v1::Backup* /*response*/) {
  return NextIssue("ImportBackupRecord");
}

grpc::Status BackupServiceImpl::ResetBackupStatus(grpc::ServerContext* /*context*/,
                                                  const v1::ResetBackupStatusRequest* /*request*/,
                                                  v1::Backup* /*response*/) {
  return NextIssue("ResetBackupStatus");
}

grpc::Status BackupServiceImpl::WatchBackup(grpc::ServerContext* context,
                                            const v1::WatchRequest* request,
                                            grpc::ServerWriter<v1::Progress>* writer) {
  return Watch(WatchKind::kBackup, context, request, writer);
}

grpc::Status BackupServiceImpl::WatchRestore(grpc::ServerContext* context,
                                             const v1::WatchRequest* request,
                                             grpc::ServerWriter<v1::Progress>* writer) {
  return Watch(WatchKind::kRestore, context, request, writer);
}

// The other operation's status (restoring for WatchBackup, creating/deleting for WatchRestore)
// is FAILED_PRECONDITION naming the status and the RPC that follows it (progress_watch.h).
grpc::Status BackupServiceImpl::Watch(WatchKind kind, grpc::ServerContext* context,
                                      const v1::WatchRequest* request,
                                      grpc::ServerWriter<v1::Progress>* writer) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, ProjectIdFromContext(*context));
    return StreamProgress(backups_, kind, project_id, request->backup_id(), *context, *writer,
                          watch_stop_);
  });
}

}  // namespace bb
