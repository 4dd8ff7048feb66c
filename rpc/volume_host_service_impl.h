// VolumeHostServiceImpl: the internal VolumeHostService (proto/volume_host.proto) that a
// volume-role backupd serves to backup-role daemons, over its VolumeManager. Every call is refused
// with PERMISSION_DENIED unless it carries the operator token: the service hands out exports and
// their CHAP credentials, so only the operator's own daemons may call it. Handlers only convert
// and call one VolumeManager method; their answers (codes and messages) are the manager's.
// Nothing here logs a ConnectionInfo (it carries CHAP secrets).
// Thread-safety: handlers run concurrently on gRPC's threads; VolumeManager is thread-safe and,
// like `auth`, outlives this object.
#pragma once

#include "backup_service/volume_manager/volume_manager.h"
#include "rpc/operator_auth.h"
#include "volume_host.grpc.pb.h"

namespace bb {

class VolumeHostServiceImpl final : public v1::internal::VolumeHostService::Service {
 public:
  using Empty = v1::internal::Empty;
  using RecordRequest = v1::internal::RecordRequest;
  using CreateTemporaryRequest = v1::internal::CreateTemporaryRequest;
  using DeleteTemporaryRequest = v1::internal::DeleteTemporaryRequest;
  using ExportRequest = v1::internal::ExportRequest;
  using ChangedExtentsRequest = v1::internal::ChangedExtentsRequest;

  VolumeHostServiceImpl(VolumeManager& volumes, const OperatorAuth& auth)
      : volumes_(volumes), auth_(auth) {}

  grpc::Status GetVolume(grpc::ServerContext* context, const RecordRequest* request,
                         v1::internal::HostVolume* response) override;
  grpc::Status GetSnapshot(grpc::ServerContext* context, const RecordRequest* request,
                           v1::internal::HostSnapshot* response) override;
  grpc::Status GetCapabilities(grpc::ServerContext* context,
                               const v1::internal::CapabilitiesRequest* request,
                               v1::internal::HostCapabilities* response) override;
  grpc::Status CreateTemporarySnapshot(grpc::ServerContext* context,
                                       const CreateTemporaryRequest* request,
                                       v1::internal::HostSnapshot* response) override;
  grpc::Status CreateTemporaryClone(grpc::ServerContext* context,
                                    const CreateTemporaryRequest* request,
                                    v1::internal::HostVolume* response) override;
  grpc::Status DeleteTemporarySnapshot(grpc::ServerContext* context,
                                       const DeleteTemporaryRequest* request,
                                       Empty* response) override;
  grpc::Status DeleteTemporaryVolume(grpc::ServerContext* context,
                                     const DeleteTemporaryRequest* request,
                                     Empty* response) override;
  grpc::Status ExportSnapshot(grpc::ServerContext* context, const ExportRequest* request,
                              v1::internal::HostConnectionInfo* response) override;
  grpc::Status UnexportSnapshot(grpc::ServerContext* context, const ExportRequest* request,
                                Empty* response) override;
  grpc::Status ExportVolume(grpc::ServerContext* context, const ExportRequest* request,
                            v1::internal::HostConnectionInfo* response) override;
  grpc::Status UnexportVolume(grpc::ServerContext* context, const ExportRequest* request,
                              Empty* response) override;
  grpc::Status CreateVolumeForRestore(grpc::ServerContext* context,
                                      const v1::internal::CreateVolumeForRestoreRequest* request,
                                      v1::internal::HostVolume* response) override;

  grpc::Status ChangedExtents(grpc::ServerContext* context, const ChangedExtentsRequest* request,
                              v1::internal::HostExtentReport* response) override;
  grpc::Status AllocatedExtents(grpc::ServerContext* context,
                                const v1::internal::AllocatedExtentsRequest* request,
                                v1::internal::HostExtentReport* response) override;

 private:
  // Runs `body` (returning Status) only for an operator call; maps the outcome once.
  template <typename Fn>
  grpc::Status Serve(grpc::ServerContext* context, Fn&& body);

  VolumeManager& volumes_;
  const OperatorAuth& auth_;
};

}  // namespace bb
