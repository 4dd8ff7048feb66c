// RemoteVolumeOperations: the REST API's volume side as VolumeService calls
// (remote_api_operations.h). The project arguments are not sent: the service acts in the
// forwarded token's project (an admin token's lookups reach every project), exactly what the
// in-process operations are given.
#include "rpc/client_credentials.h"
#include "rpc/record_conversion.h"
#include "rpc/remote_api_operations.h"
#include "rpc/remote_call.h"
#include "volume.grpc.pb.h"

namespace bb {
namespace {

using Stub = v1::VolumeService::Stub;

Result<ListedVolume> Listed(const v1::Volume& in) {
  ListedVolume out;
  ASSIGN_OR_RETURN(out.volume, FromProto(in));
  for (const auto& a : in.attachments()) {
    ASSIGN_OR_RETURN(auto attachment, FromProto(a));
    out.attachments.push_back(std::move(attachment));
  }
  return out;
}

}  // namespace

struct RemoteVolumeOperations::Impl {
  std::string address;
  std::unique_ptr<Stub> stub;

  template <typename Method, typename Request, typename Response>
  Status Call(Method method, const Who& who, const Request& request, Response* response) {
    return CallAs(*stub, method, who, address, request, response);
  }
};

RemoteVolumeOperations::RemoteVolumeOperations(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
RemoteVolumeOperations::~RemoteVolumeOperations() = default;

Result<std::unique_ptr<RemoteVolumeOperations>> RemoteVolumeOperations::Connect(
    const std::string& address, const ClientTlsFiles& tls) {
  ASSIGN_OR_RETURN(auto credentials, ClientChannelCredentials(tls));
  auto impl = std::make_unique<Impl>();
  impl->address = address;
  impl->stub = v1::VolumeService::NewStub(grpc::CreateChannel(address, credentials));
  return std::unique_ptr<RemoteVolumeOperations>(new RemoteVolumeOperations(std::move(impl)));
}

Status RemoteVolumeOperations::CheckChecksTokens() {
  v1::ListVolumesRequest request;
  request.mutable_page()->set_limit(1);
  v1::ListVolumesResponse response;
  Status answer = impl_->Call(&Stub::ListVolumes, Who{.token = ""}, request, &response);
  return ExpectTokenRefused(answer, "volume service", impl_->address);
}

Result<Volume> RemoteVolumeOperations::CreateVolume(const Who& who, const CreateVolumeParams& p) {
  v1::CreateVolumeRequest request;
  request.set_size_gib(p.size_gib);
  request.set_name(p.name);
  request.set_description(p.description);
  v1::Volume response;
  RETURN_IF_ERROR(impl_->Call(&Stub::CreateVolume, who, request, &response));
  return FromProto(response);
}

Result<ListedVolume> RemoteVolumeOperations::GetVolume(const Who& who, const std::string&,
                                                       const std::string& volume_id) {
  v1::GetVolumeRequest request;
  request.set_volume_id(volume_id);
  v1::Volume response;
  RETURN_IF_ERROR(impl_->Call(&Stub::GetVolume, who, request, &response));
  return Listed(response);
}

Result<Page<ListedVolume>> RemoteVolumeOperations::ListVolumes(const Who& who,
                                                               const ListVolumesQuery& q) {
  v1::ListVolumesRequest request;
  request.set_name(q.name);
  request.set_status(q.status);
  *request.mutable_page() = ToProto(q.page);
  v1::ListVolumesResponse response;
  RETURN_IF_ERROR(impl_->Call(&Stub::ListVolumes, who, request, &response));
  Page<ListedVolume> page{.next_marker = response.page().next_marker(),
                          .count = response.page().count(),
                          .limit = response.page().limit()};
  for (const auto& v : response.volumes()) {
    ASSIGN_OR_RETURN(auto listed, Listed(v));
    page.records.push_back(std::move(listed));
  }
  return page;
}

Status RemoteVolumeOperations::DeleteVolume(const Who& who, const std::string&,
                                            const std::string& volume_id) {
  v1::DeleteVolumeRequest request;
  request.set_volume_id(volume_id);
  v1::DeleteVolumeResponse response;
  return impl_->Call(&Stub::DeleteVolume, who, request, &response);
}

Result<Attachment> RemoteVolumeOperations::AttachVolume(const Who& who, const std::string&,
                                                        const std::string& volume_id,
                                                        const std::string& instance_uuid) {
  v1::AttachVolumeRequest request;
  request.set_volume_id(volume_id);
  request.set_instance_uuid(instance_uuid);
  v1::Attachment response;
  RETURN_IF_ERROR(impl_->Call(&Stub::AttachVolume, who, request, &response));
  return FromProto(response);
}

Result<ListedVolume> RemoteVolumeOperations::DetachVolume(const Who& who, const std::string&,
                                                          const std::string& volume_id,
                                                          const std::string& attachment_id) {
  v1::DetachVolumeRequest request;
  request.set_volume_id(volume_id);
  request.set_attachment_id(attachment_id);
  v1::Volume response;
  RETURN_IF_ERROR(impl_->Call(&Stub::DetachVolume, who, request, &response));
  return Listed(response);
}

Result<Attachment> RemoteVolumeOperations::GetAttachment(const Who& who, const std::string&,
                                                         const std::string& attachment_id) {
  v1::GetAttachmentRequest request;
  request.set_attachment_id(attachment_id);
  v1::Attachment response;
  RETURN_IF_ERROR(impl_->Call(&Stub::GetAttachment, who, request, &response));
  return FromProto(response);
}

Result<Snapshot> RemoteVolumeOperations::CreateSnapshot(const Who& who,
                                                        const CreateSnapshotParams& p) {
  v1::CreateSnapshotRequest request;
  request.set_volume_id(p.volume_id);
  request.set_name(p.name);
  request.set_description(p.description);
  request.set_force(p.force);
  v1::Snapshot response;
  RETURN_IF_ERROR(impl_->Call(&Stub::CreateSnapshot, who, request, &response));
  return FromProto(response);
}

Result<Snapshot> RemoteVolumeOperations::GetSnapshot(const Who& who, const std::string&,
                                                     const std::string& snapshot_id) {
  v1::GetSnapshotRequest request;
  request.set_snapshot_id(snapshot_id);
  v1::Snapshot response;
  RETURN_IF_ERROR(impl_->Call(&Stub::GetSnapshot, who, request, &response));
  return FromProto(response);
}

Result<Page<Snapshot>> RemoteVolumeOperations::ListSnapshots(const Who& who,
                                                             const ListSnapshotsQuery& q) {
  v1::ListSnapshotsRequest request;
  request.set_volume_id(q.volume_id);
  request.set_name(q.name);
  request.set_status(q.status);
  *request.mutable_page() = ToProto(q.page);
  v1::ListSnapshotsResponse response;
  RETURN_IF_ERROR(impl_->Call(&Stub::ListSnapshots, who, request, &response));
  Page<Snapshot> page{.next_marker = response.page().next_marker(),
                      .count = response.page().count(),
                      .limit = response.page().limit()};
  for (const auto& s : response.snapshots()) {
    ASSIGN_OR_RETURN(auto snapshot, FromProto(s));
    page.records.push_back(std::move(snapshot));
  }
  return page;
}

Status RemoteVolumeOperations::DeleteSnapshot(const Who& who, const std::string&,
                                              const std::string& snapshot_id) {
  v1::DeleteSnapshotRequest request;
  request.set_snapshot_id(snapshot_id);
  v1::DeleteSnapshotResponse response;
  return impl_->Call(&Stub::DeleteSnapshot, who, request, &response);
}

}  // namespace bb
