// VolumeServiceImpl: the gRPC VolumeService (proto/volume.proto) over a VolumeManager.
// Each handler extracts the project, checks id shapes, calls the manager and converts the
// answer; no business rule lives here. Thread-safety: handlers run concurrently on gRPC's
// threads; VolumeManager is thread-safe and outlives this object.
#pragma once

#include "backup_service/volume_manager/volume_manager.h"
#include "rpc/call_auth.h"
#include "volume.grpc.pb.h"

namespace bb {

class VolumeServiceImpl final : public v1::VolumeService::Service {
 public:
  VolumeServiceImpl(VolumeManager& volumes, const CallAuth& auth)
      : volumes_(volumes), auth_(auth) {}

  grpc::Status CreateVolume(grpc::ServerContext* context, const v1::CreateVolumeRequest* request,
                            v1::Volume* response) override;
  grpc::Status GetVolume(grpc::ServerContext* context, const v1::GetVolumeRequest* request,
                         v1::Volume* response) override;
  grpc::Status ListVolumes(grpc::ServerContext* context, const v1::ListVolumesRequest* request,
                           v1::ListVolumesResponse* response) override;
  grpc::Status DeleteVolume(grpc::ServerContext* context, const v1::DeleteVolumeRequest* request,
                            v1::DeleteVolumeResponse* response) override;
  grpc::Status AttachVolume(grpc::ServerContext* context, const v1::AttachVolumeRequest* request,
                            v1::Attachment* response) override;
  grpc::Status DetachVolume(grpc::ServerContext* context, const v1::DetachVolumeRequest* request,
                            v1::Volume* response) override;
  grpc::Status CreateSnapshot(grpc::ServerContext* context,
                              const v1::CreateSnapshotRequest* request,
                              v1::Snapshot* response) override;
  grpc::Status GetSnapshot(grpc::ServerContext* context, const v1::GetSnapshotRequest* request,
                           v1::Snapshot* response) override;
  grpc::Status ListSnapshots(grpc::ServerContext* context, const v1::ListSnapshotsRequest* request,
                             v1::ListSnapshotsResponse* response) override;
  grpc::Status GetAttachment(grpc::ServerContext* context, const v1::GetAttachmentRequest* request,
                             v1::Attachment* response) override;
  grpc::Status DeleteSnapshot(grpc::ServerContext* context,
                              const v1::DeleteSnapshotRequest* request,
                              v1::DeleteSnapshotResponse* response) override;

 private:
  // The wire Volume carries its attachments; the record does not, so they are read alongside.
  Result<v1::Volume> VolumeWithAttachments(const Volume& volume);

  VolumeManager& volumes_;
  const CallAuth& auth_;  // who each call acts for (the auth interceptor's verdict)
};

}  // namespace bb
