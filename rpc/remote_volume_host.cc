#include "rpc/remote_volume_host.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <mutex>
#include <optional>

#include "backup_service/volume_manager/volume_manager.h"
#include "rpc/operator_auth.h"
#include "rpc/status_mapping.h"
#include "rpc/volume_host_wire.h"
#include "volume_host.grpc.pb.h"

namespace bb {
namespace {

// Driver calls are short, but a snapshot or clone of a large volume on a slow backend, or an
// export through tgtadm on a loaded host, may take a while; a hung volume host must not hang a
// backup forever.
constexpr auto kCallDeadline = std::chrono::seconds(120);

}  // namespace

struct RemoteVolumeHost::Impl {
  std::string address;
  std::string token;
  CommandRunner& runner;
  std::unique_ptr<wire::VolumeHostService::Stub> stub;
  std::mutex mu;
  std::optional<DriverCapabilities> capabilities;  // guarded by mu

  // One RPC: the operator token, a deadline, and the answer mapped back to a bb::Status. The
  // volume host's own answers keep their code and message; transport failures name the address.
  template <typename Request, typename Response, typename Method>
  Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.AddMetadata(kOperatorTokenHeader, token);
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    grpc::Status s = (stub.get()->*method)(&context, request, response);
    if (s.ok()) return Status::Ok();
    Status st = FromGrpcStatus(s);
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
        s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return Status(st.code(), "volume host " + address + " unreachable: " + st.message());
    }
    return st;
  }
};

RemoteVolumeHost::RemoteVolumeHost(const std::string& address, std::string operator_token,
                                   CommandRunner& runner)
    : impl_(new Impl{address, std::move(operator_token), runner, nullptr, {}, std::nullopt}) {
  impl_->stub = wire::VolumeHostService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

RemoteVolumeHost::~RemoteVolumeHost() = default;

const std::string& RemoteVolumeHost::address() const { return impl_->address; }
CommandRunner& RemoteVolumeHost::runner() { return impl_->runner; }

Result<Volume> RemoteVolumeHost::GetVolume(const std::string& project_id,
                                           const std::string& volume_id) {
  wire::RecordRequest request;
  request.set_project_id(project_id);
  request.set_id(volume_id);
  wire::HostVolume response;
  RETURN_IF_ERROR(impl_->Call(&wire::VolumeHostService::Stub::GetVolume, request, &response));
  return FromWire(response);
}

Result<Snapshot> RemoteVolumeHost::GetSnapshot(const std::string& project_id,
                                               const std::string& snapshot_id) {
  wire::RecordRequest request;
  request.set_project_id(project_id);
  request.set_id(snapshot_id);
  wire::HostSnapshot response;
  RETURN_IF_ERROR(impl_->Call(&wire::VolumeHostService::Stub::GetSnapshot, request, &response));
  return FromWire(response);
}

Result<DriverCapabilities> RemoteVolumeHost::Capabilities() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->capabilities) return *impl_->capabilities;
  }
  wire::HostCapabilities response;
  RETURN_IF_ERROR(impl_->Call(&wire::VolumeHostService::Stub::GetCapabilities,
                              wire::CapabilitiesRequest(), &response));
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->capabilities = FromWire(response);
  return *impl_->capabilities;
}

Result<Snapshot> RemoteVolumeHost::CreateTemporarySnapshot(const Volume& volume,
                                                           const std::string& snapshot_id,
                                                           const std::string& backup_id) {
  wire::CreateTemporaryRequest request;
  request.set_volume_id(volume.id);
  request.set_temporary_id(snapshot_id);
  request.set_backup_id(backup_id);
  wire::HostSnapshot response;
  RETURN_IF_ERROR(
      impl_->Call(&wire::VolumeHostService::Stub::CreateTemporarySnapshot, request, &response));
  return FromWire(response);
}

Result<Volume> RemoteVolumeHost::CreateTemporaryClone(const Volume& volume,
                                                      const std::string& clone_id,
                                                      const std::string& backup_id) {
  wire::CreateTemporaryRequest request;
  request.set_volume_id(volume.id);
  request.set_temporary_id(clone_id);
  request.set_backup_id(backup_id);
  wire::HostVolume response;
  RETURN_IF_ERROR(
      impl_->Call(&wire::VolumeHostService::Stub::CreateTemporaryClone, request, &response));
  return FromWire(response);
}

Status RemoteVolumeHost::DeleteTemporarySnapshot(const std::string& snapshot_id) {
  wire::DeleteTemporaryRequest request;
  request.set_id(snapshot_id);
  wire::Empty response;
  return impl_->Call(&wire::VolumeHostService::Stub::DeleteTemporarySnapshot, request, &response);
}

Status RemoteVolumeHost::DeleteTemporaryVolume(const std::string& volume_id) {
  wire::DeleteTemporaryRequest request;
  request.set_id(volume_id);
  wire::Empty response;
  return impl_->Call(&wire::VolumeHostService::Stub::DeleteTemporaryVolume, request, &response);
}

namespace {
wire::ExportRequest MakeExportRequest(const std::string& id, const ConnectorProperties& c) {
  wire::ExportRequest request;
  request.set_id(id);
  *request.mutable_connector() = ToWire(c);
  return request;
}
}  // namespace

Result<ConnectionInfo> RemoteVolumeHost::ExportSnapshot(const std::string& snapshot_id,
                                                        const ConnectorProperties& connector) {
  wire::HostConnectionInfo response;
  RETURN_IF_ERROR(impl_->Call(&wire::VolumeHostService::Stub::ExportSnapshot,
                              MakeExportRequest(snapshot_id, connector), &response));
  return FromWire(response);
}

Status RemoteVolumeHost::UnexportSnapshot(const std::string& snapshot_id,
                                          const ConnectorProperties& connector) {
  wire::Empty response;
  return impl_->Call(&wire::VolumeHostService::Stub::UnexportSnapshot,
                     MakeExportRequest(snapshot_id, connector), &response);
}

Result<ConnectionInfo> RemoteVolumeHost::ExportVolume(const std::string& volume_id,
                                                      const ConnectorProperties& connector) {
  wire::HostConnectionInfo response;
  RETURN_IF_ERROR(impl_->Call(&wire::VolumeHostService::Stub::ExportVolume,
                              MakeExportRequest(volume_id, connector), &response));
  return FromWire(response);
}

Status RemoteVolumeHost::UnexportVolume(const std::string& volume_id,
                                        const ConnectorProperties& connector) {
  wire::Empty response;
  return impl_->Call(&wire::VolumeHostService::Stub::UnexportVolume,
                     MakeExportRequest(volume_id, connector), &response);
}

Result<std::string> RemoteVolumeHost::VolumeLocalPath(const Volume& volume) {
  return Status::FailedPrecondition("volume " + volume.id + " is on the volume host " +
                                    impl_->address +
                                    ", not on this backup host: it can only be attached through "
                                    "an export (the volume driver must support exports)");
}

Result<std::string> RemoteVolumeHost::SnapshotLocalPath(const Snapshot& snapshot) {
  return Status::FailedPrecondition("snapshot " + snapshot.id + " is on the volume host " +
                                    impl_->address +
                                    ", not on this backup host: it can only be attached through "
                                    "an export (the volume driver must support exports)");
}

Result<Volume> RemoteVolumeHost::CreateVolumeForRestore(const CreateVolumeParams& p) {
  wire::CreateVolumeForRestoreRequest request;
  request.set_project_id(p.project_id);
  request.set_name(p.name);
  request.set_description(p.description);
  request.set_size_gib(p.size_gib);
  wire::HostVolume response;
  RETURN_IF_ERROR(
      impl_->Call(&wire::VolumeHostService::Stub::CreateVolumeForRestore, request, &response));
  return FromWire(response);
}

Result<ExtentReport> RemoteVolumeHost::ChangedExtents(const std::string& base_snapshot_id,
                                                      const std::string& snapshot_id) {
  wire::ChangedExtentsRequest request;
  request.set_base_snapshot_id(base_snapshot_id);
  request.set_snapshot_id(snapshot_id);
  wire::HostExtentReport response;
  RETURN_IF_ERROR(impl_->Call(&wire::VolumeHostService::Stub::ChangedExtents, request, &response));
  return FromWire(response);
}

Result<ExtentReport> RemoteVolumeHost::AllocatedExtents(const std::string& snapshot_id) {
  wire::AllocatedExtentsRequest request;
  request.set_snapshot_id(snapshot_id);
  wire::HostExtentReport response;
  RETURN_IF_ERROR(
      impl_->Call(&wire::VolumeHostService::Stub::AllocatedExtents, request, &response));
  return FromWire(response);
}

}  // namespace bb
