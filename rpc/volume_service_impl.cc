// VolumeServiceImpl: thin handlers. Pattern: project -> ids -> one manager call -> ToProto.
#include "rpc/volume_service_impl.h"

#include "rpc/call_auth.h"
#include "rpc/record_conversion.h"
#include "rpc/status_mapping.h"

namespace bb {

Result<v1::Volume> VolumeServiceImpl::VolumeWithAttachments(const Volume& volume) {
  ASSIGN_OR_RETURN(auto attachments, volumes_.ListAttachments(volume.id));
  return ToProto(volume, attachments);
}

grpc::Status VolumeServiceImpl::CreateVolume(grpc::ServerContext* context,
                                             const v1::CreateVolumeRequest* request,
                                             v1::Volume* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    CreateVolumeParams params{.project_id = project_id,
                              .name = request->name(),
                              .description = request->description(),
                              .size_gib = request->size_gib()};
    ASSIGN_OR_RETURN(auto volume, volumes_.CreateVolume(params));
    *response = ToProto(volume);  // a new volume has no attachments
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::GetVolume(grpc::ServerContext* context,
                                          const v1::GetVolumeRequest* request,
                                          v1::Volume* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    ASSIGN_OR_RETURN(auto volume, volumes_.GetVolume(project_id, request->volume_id()));
    ASSIGN_OR_RETURN(*response, VolumeWithAttachments(volume));
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::ListVolumes(grpc::ServerContext* context,
                                            const v1::ListVolumesRequest* request,
                                            v1::ListVolumesResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    if (request->page().all_projects()) {
      RETURN_IF_ERROR(auth_.RequireAdmin(*context, "listing all projects"));
    }
    ListVolumesQuery query{.project_id = project_id,
                           .name = request->name(),
                           .status = request->status(),
                           .page = FromProto(request->page())};
    ASSIGN_OR_RETURN(auto page, volumes_.ListVolumes(query));
    for (const auto& listed : page.records) {
      *response->add_volumes() = ToProto(listed.volume, listed.attachments);
    }
    *response->mutable_page() = PageInfoProto(page);
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::DeleteVolume(grpc::ServerContext* context,
                                             const v1::DeleteVolumeRequest* request,
                                             v1::DeleteVolumeResponse* /*response*/) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    return volumes_.DeleteVolume(project_id, request->volume_id());
  });
}

grpc::Status VolumeServiceImpl::AttachVolume(grpc::ServerContext* context,
                                             const v1::AttachVolumeRequest* request,
                                             v1::Attachment* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    ASSIGN_OR_RETURN(auto attachment, volumes_.AttachVolume(project_id, request->volume_id(),
                                                            request->instance_uuid()));
    *response = ToProto(attachment);
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::DetachVolume(grpc::ServerContext* context,
                                             const v1::DetachVolumeRequest* request,
                                             v1::Volume* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    ASSIGN_OR_RETURN(auto volume, volumes_.DetachVolume(project_id, request->volume_id(),
                                                        request->attachment_id()));
    ASSIGN_OR_RETURN(*response, VolumeWithAttachments(volume));
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::GetAttachment(grpc::ServerContext* context,
                                              const v1::GetAttachmentRequest* request,
                                              v1::Attachment* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    ASSIGN_OR_RETURN(auto attachment, volumes_.GetAttachment(project_id, request->attachment_id()));
    *response = ToProto(attachment);
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::CreateSnapshot(grpc::ServerContext* context,
                                               const v1::CreateSnapshotRequest* request,
                                               v1::Snapshot* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    CreateSnapshotParams params{.project_id = project_id,
                                .volume_id = request->volume_id(),
                                .name = request->name(),
                                .description = request->description(),
                                .force = request->force()};
    ASSIGN_OR_RETURN(auto snapshot, volumes_.CreateSnapshot(params));
    *response = ToProto(snapshot);
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::GetSnapshot(grpc::ServerContext* context,
                                            const v1::GetSnapshotRequest* request,
                                            v1::Snapshot* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    ASSIGN_OR_RETURN(auto snapshot, volumes_.GetSnapshot(project_id, request->snapshot_id()));
    *response = ToProto(snapshot);
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::ListSnapshots(grpc::ServerContext* context,
                                              const v1::ListSnapshotsRequest* request,
                                              v1::ListSnapshotsResponse* response) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.ProjectOf(*context));
    if (request->page().all_projects()) {
      RETURN_IF_ERROR(auth_.RequireAdmin(*context, "listing all projects"));
    }
    ListSnapshotsQuery query{.project_id = project_id,
                             .volume_id = request->volume_id(),
                             .name = request->name(),
                             .status = request->status(),
                             .page = FromProto(request->page())};
    ASSIGN_OR_RETURN(auto page, volumes_.ListSnapshots(query));
    for (const auto& snapshot : page.records) *response->add_snapshots() = ToProto(snapshot);
    *response->mutable_page() = PageInfoProto(page);
    return Status::Ok();
  });
}

grpc::Status VolumeServiceImpl::DeleteSnapshot(grpc::ServerContext* context,
                                               const v1::DeleteSnapshotRequest* request,
                                               v1::DeleteSnapshotResponse* /*response*/) {
  return RunHandler([&]() -> Status {
    ASSIGN_OR_RETURN(auto project_id, auth_.LookupProjectOf(*context));
    return volumes_.DeleteSnapshot(project_id, request->snapshot_id());
  });
}

}  // namespace bb
