#include "rpc/volume_host_service_impl.h"

#include "backup_service/common/validation.h"
#include "rpc/status_mapping.h"
#include "rpc/volume_host_wire.h"

namespace bb {

template <typename Fn>
grpc::Status VolumeHostServiceImpl::Serve(grpc::ServerContext* context, Fn&& body) {
  return RunHandler([&]() -> Status {
    RETURN_IF_ERROR(auth_.RequireOperator(*context, "the internal volume host service"));
    return body();
  });
}

grpc::Status VolumeHostServiceImpl::GetVolume(grpc::ServerContext* context,
                                              const RecordRequest* request,
                                              v1::internal::HostVolume* response) {
  return Serve(context, [&]() -> Status {
    ASSIGN_OR_RETURN(Volume v, volumes_.GetVolume(request->project_id(), request->id()));
    *response = ToWire(v);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::GetSnapshot(grpc::ServerContext* context,
                                                const RecordRequest* request,
                                                v1::internal::HostSnapshot* response) {
  return Serve(context, [&]() -> Status {
    ASSIGN_OR_RETURN(Snapshot s, volumes_.GetSnapshot(request->project_id(), request->id()));
    *response = ToWire(s);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::GetCapabilities(grpc::ServerContext* context,
                                                    const v1::internal::CapabilitiesRequest*,
                                                    v1::internal::HostCapabilities* response) {
  return Serve(context, [&]() -> Status {
    *response = ToWire(volumes_.Capabilities());
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::CreateTemporarySnapshot(grpc::ServerContext* context,
                                                            const CreateTemporaryRequest* request,
                                                            v1::internal::HostSnapshot* response) {
  return Serve(context, [&]() -> Status {
    RETURN_IF_ERROR(ValidateUuid("temporary_id", request->temporary_id()));
    // The source is read again here: the volume host's record is the one that counts.
    ASSIGN_OR_RETURN(Volume v, volumes_.GetVolume("", request->volume_id()));
    ASSIGN_OR_RETURN(Snapshot s, volumes_.CreateTemporarySnapshot(v, request->temporary_id(),
                                                                  request->backup_id()));
    *response = ToWire(s);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::CreateTemporaryClone(grpc::ServerContext* context,
                                                         const CreateTemporaryRequest* request,
                                                         v1::internal::HostVolume* response) {
  return Serve(context, [&]() -> Status {
    RETURN_IF_ERROR(ValidateUuid("temporary_id", request->temporary_id()));
    ASSIGN_OR_RETURN(Volume v, volumes_.GetVolume("", request->volume_id()));
    ASSIGN_OR_RETURN(Volume clone, volumes_.CreateTemporaryClone(v, request->temporary_id(),
                                                                 request->backup_id()));
    *response = ToWire(clone);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::DeleteTemporarySnapshot(grpc::ServerContext* context,
                                                            const DeleteTemporaryRequest* request,
                                                            Empty*) {
  return Serve(context, [&] { return volumes_.DeleteTemporarySnapshot(request->id()); });
}

grpc::Status VolumeHostServiceImpl::DeleteTemporaryVolume(grpc::ServerContext* context,
                                                          const DeleteTemporaryRequest* request,
                                                          Empty*) {
  return Serve(context, [&] { return volumes_.DeleteTemporaryVolume(request->id()); });
}

grpc::Status VolumeHostServiceImpl::ExportSnapshot(grpc::ServerContext* context,
                                                   const ExportRequest* request,
                                                   v1::internal::HostConnectionInfo* response) {
  return Serve(context, [&]() -> Status {
    ASSIGN_OR_RETURN(ConnectionInfo info,
                     volumes_.ExportSnapshot(request->id(), FromWire(request->connector())));
    *response = ToWire(info);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::UnexportSnapshot(grpc::ServerContext* context,
                                                     const ExportRequest* request, Empty*) {
  return Serve(context, [&] {
    return volumes_.UnexportSnapshot(request->id(), FromWire(request->connector()));
  });
}

grpc::Status VolumeHostServiceImpl::ExportVolume(grpc::ServerContext* context,
                                                 const ExportRequest* request,
                                                 v1::internal::HostConnectionInfo* response) {
  return Serve(context, [&]() -> Status {
    ASSIGN_OR_RETURN(ConnectionInfo info,
                     volumes_.ExportVolume(request->id(), FromWire(request->connector())));
    *response = ToWire(info);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::UnexportVolume(grpc::ServerContext* context,
                                                   const ExportRequest* request, Empty*) {
  return Serve(context, [&] {
    return volumes_.UnexportVolume(request->id(), FromWire(request->connector()));
  });
}

grpc::Status VolumeHostServiceImpl::CreateVolumeForRestore(
    grpc::ServerContext* context, const v1::internal::CreateVolumeForRestoreRequest* request,
    v1::internal::HostVolume* response) {
  return Serve(context, [&]() -> Status {
    CreateVolumeParams p{.project_id = request->project_id(),
                         .name = request->name(),
                         .description = request->description(),
                         .size_gib = request->size_gib()};
    ASSIGN_OR_RETURN(Volume v, volumes_.CreateVolumeForRestore(p));
    *response = ToWire(v);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::ChangedExtents(grpc::ServerContext* context,
                                                   const ChangedExtentsRequest* request,
                                                   v1::internal::HostExtentReport* response) {
  return Serve(context, [&]() -> Status {
    ASSIGN_OR_RETURN(ExtentReport changes,
                     volumes_.ChangedExtents(request->base_snapshot_id(), request->snapshot_id()));
    *response = ToWire(changes);
    return Status::Ok();
  });
}

grpc::Status VolumeHostServiceImpl::AllocatedExtents(
    grpc::ServerContext* context, const v1::internal::AllocatedExtentsRequest* request,
    v1::internal::HostExtentReport* response) {
  return Serve(context, [&]() -> Status {
    ASSIGN_OR_RETURN(ExtentReport allocated, volumes_.AllocatedExtents(request->snapshot_id()));
    *response = ToWire(allocated);
    return Status::Ok();
  });
}

}  // namespace bb
