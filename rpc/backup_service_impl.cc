// BackupServiceImpl: thin handlers. Pattern: project -> ids -> one manager call -> ToProto.
#include "rpc/backup_service_impl.h"

#include <optional>
#include <string>

#include "backup_service/model/quotas.h"
#include "rpc/call_auth.h"
#include "rpc/project_context.h"
#include "rpc/record_conversion.h"
#include "rpc/status_mapping.h"

namespace bb {

v1::Backup BackupServiceImpl::WithLocalJob(const Backup& backup) {
  v1::Backup out = ToProto(backup);
  if (auto job = backups_.FindJob(backup.id)) {
    out.set_job_phase(std::string(ToString(job->phase)));
    out.set_queue_position(job->queue_position);
  }
  return out;
}

grpc::Status BackupServiceImpl::CreateBackup(grpc::ServerContext* context,
                                             const v1::CreateBackupRequest* request,
                                             v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    CreateBackupParams params{.project_id = project_id,
                              .volume_id = request->volume_id(),
                              .name = request->name(),
                              .description = request->description(),
                              .force = request->force(),
                              .incremental = request->incremental(),
                              .snapshot_id = request->snapshot_id(),
                              .container = request->container()};
    auto backup = backups_.CreateBackup(params);
    // Over quota: the message also says which quota and how to raise it.
    if (!backup.ok()) return WithQuotaHint(backup.status(), project_id);
    *response = WithLocalJob(*backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::GetBackup(grpc::ServerContext* context,
                                          const v1::GetBackupRequest* request,
                                          v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    ASSIGN_OR_RETURN(auto backup, backups_.GetBackup(project_id, request->backup_id()));
    *response = WithLocalJob(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::ListBackups(grpc::ServerContext* context,
                                            const v1::ListBackupsRequest* request,
                                            v1::ListBackupsResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    if (request->page().all_projects()) {
      RETURN_IF_ERROR(auth_.RequireAdmin(*context, "listing all projects"));
    }
    ListBackupsQuery query{.project_id = project_id,
                           .volume_id = request->volume_id(),
                           .name = request->name(),
                           .status = request->status(),
                           .page = FromProto(request->page())};
    ASSIGN_OR_RETURN(auto page, backups_.ListBackups(query));
    for (const auto& backup : page.records) *response->add_backups() = WithLocalJob(backup);
    *response->mutable_page() = PageInfoProto(page);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::DeleteBackup(grpc::ServerContext* context,
                                             const v1::DeleteBackupRequest* request,
                                             v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    if (request->force()) RETURN_IF_ERROR(auth_.RequireAdmin(*context, "force delete"));
    ASSIGN_OR_RETURN(auto backup,
                     backups_.DeleteBackup(project_id, request->backup_id(), request->force()));
    *response = WithLocalJob(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::RestoreBackup(grpc::ServerContext* context,
                                              const v1::RestoreBackupRequest* request,
                                              v1::RestoreBackupResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
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

// The owner may cancel a restore: it ends in states of the owner's own records only (the backup
// available, the owner's target volume error) that the owner can act on (delete the volume,
// restore again). Unlike a force delete it gives nothing up that only an operator may decide.
grpc::Status BackupServiceImpl::CancelRestore(grpc::ServerContext* context,
                                              const v1::CancelRestoreRequest* request,
                                              v1::CancelRestoreResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    if (auth_.IsAdmin(*context)) project_id = "";  // any project
    ASSIGN_OR_RETURN(auto cancelled, backups_.CancelRestore(project_id, request->backup_id()));
    *response->mutable_backup() = WithLocalJob(cancelled.backup);
    response->set_volume_id(cancelled.volume.id);
    if (!cancelled.volume.id.empty()) {
      response->set_volume_status(std::string(ToString(cancelled.volume.status)));
    }
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::UpdateBackup(grpc::ServerContext* context,
                                             const v1::UpdateBackupRequest* request,
                                             v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    std::optional<std::string> name, description;
    if (request->has_name()) name = request->name();
    if (request->has_description()) description = request->description();
    ASSIGN_OR_RETURN(auto backup,
                     backups_.UpdateBackup(project_id, request->backup_id(), name, description));
    *response = ToProto(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::ExportBackupRecord(grpc::ServerContext* context,
                                                   const v1::ExportBackupRecordRequest* request,
                                                   v1::BackupRecord* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    ASSIGN_OR_RETURN(auto record, backups_.ExportBackupRecord(project_id, request->backup_id()));
    response->set_backup_service(record.backup_service);
    response->set_backup_url(record.backup_url);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::ImportBackupRecord(grpc::ServerContext* context,
                                                   const v1::ImportBackupRecordRequest* request,
                                                   v1::Backup* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    BackupRecordWire record{.backup_service = request->record().backup_service(),
                            .backup_url = request->record().backup_url()};
    auto backup = backups_.ImportBackupRecord(project_id, record);
    if (!backup.ok()) return WithQuotaHint(backup.status(), project_id);
    *response = ToProto(*backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::ResetBackupStatus(grpc::ServerContext* context,
                                                  const v1::ResetBackupStatusRequest* request,
                                                  v1::Backup* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireAdmin(*context, "reset-status"));
    ASSIGN_OR_RETURN(auto backup,
                     backups_.ResetBackupStatus(request->backup_id(), request->status()));
    *response = ToProto(backup);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::VerifyBackup(grpc::ServerContext* context,
                                             const v1::VerifyBackupRequest* request,
                                             v1::VerifyBackupResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    ASSIGN_OR_RETURN(VerifyReport r, backups_.VerifyBackup(project_id, request->backup_id()));
    response->set_backup_id(r.backup_id);
    response->set_storage_format(r.storage_format);
    response->set_size_bytes(r.size_bytes);
    response->set_chunks(r.chunks);
    response->set_chunks_zero(r.chunks_zero);
    response->set_blobs_checked(r.blobs_checked);
    response->set_plain_bytes(r.plain_bytes);
    response->set_packs_checked(r.packs_checked);
    response->set_bytes_read(r.bytes_read);
    response->set_seconds(r.seconds);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::RebuildCatalog(grpc::ServerContext* context,
                                               const v1::RebuildCatalogRequest* request,
                                               v1::RebuildCatalogResponse* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireAdmin(*context, "catalog rebuild"));
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    ASSIGN_OR_RETURN(CatalogRebuildReport r,
                     backups_.RebuildCatalog(project_id, request->container()));
    response->set_container(r.container);
    response->set_manifests(r.manifests);
    for (const auto& id : r.inserted) response->add_inserted(id);
    for (const auto& id : r.already_present) response->add_already_present(id);
    for (const auto& s : r.skipped) response->add_skipped(s);
    response->set_packs_indexed(r.packs_indexed);
    response->set_index_object(r.index_object);
    for (const auto& o : r.index_objects_removed) response->add_index_objects_removed(o);
    for (const auto& p : r.unreadable_packs) response->add_unreadable_packs(p);
    return Status::Ok();
  });
}

grpc::Status BackupServiceImpl::CollectGarbage(grpc::ServerContext* context,
                                               const v1::CollectGarbageRequest* request,
                                               v1::CollectGarbageResponse* response) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireAdmin(*context, "gc"));
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    ASSIGN_OR_RETURN(GarbageReport r, backups_.CollectGarbage(project_id, request->container()));
    const v2::PackCollectResult& p = r.packs;
    response->set_container(r.container);
    response->set_manifests(p.manifests);
    response->set_packs_before(p.packs_before);
    response->set_bytes_before(p.bytes_before);
    response->set_packs_deleted(p.packs_deleted);
    response->set_dead_bytes_freed(p.dead_bytes_freed);
    response->set_packs_repacked(p.packs_repacked);
    response->set_repacked_bytes(p.repacked_bytes);
    response->set_repack_packs_written(p.repack_packs_written);
    response->set_repack_bytes_written(p.repack_bytes_written);
    response->set_blobs_copied(p.blobs_copied);
    response->set_bytes_freed(p.bytes_freed);
    response->set_packs_after(p.packs_after);
    response->set_bytes_after(p.bytes_after);
    response->set_index_objects_rewritten(p.index_objects_rewritten);
    response->set_index_objects_deleted(p.index_objects_deleted);
    response->set_v1_chunks_deleted(r.v1_chunks_deleted);
    response->set_seconds(r.seconds);
    return Status::Ok();
  });
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
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    return StreamProgress(backups_, kind, project_id, request->backup_id(), *context, *writer,
                          watch_stop_);
  });
}

}  // namespace bb
