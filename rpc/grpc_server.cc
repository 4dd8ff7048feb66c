// RpcServer: grpc::ServerBuilder with insecure credentials (the daemon listens on loopback or a
// management network; TLS is a later issue).
#include "rpc/grpc_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <optional>

#include "rpc/backup_service_impl.h"
#include "rpc/service_admin_impl.h"
#include "rpc/volume_host_service_impl.h"
#include "rpc/volume_service_impl.h"

namespace bb {

struct RpcServer::Impl {
  std::optional<VolumeServiceImpl> volume_service;
  std::optional<VolumeHostServiceImpl> volume_host_service;
  std::optional<BackupServiceImpl> backup_service;
  std::optional<ServiceAdminImpl> service_admin;
  std::unique_ptr<grpc::Server> server;  // declared last: destroyed before the services
  int port = 0;
  bool shut_down = false;
};

RpcServer::RpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RpcServer::~RpcServer() {
  if (impl_ && !impl_->shut_down) Shutdown(std::chrono::milliseconds(0));
}

Result<std::unique_ptr<RpcServer>> RpcServer::Start(const std::string& address,
                                                    VolumeManager& volumes, BackupManager& backups,
                                                    ServiceAdmin& services, ApiTokens& tokens,
                                                    const OperatorAuth& auth) {
  return Start(
      address,
      RpcServices{
          .volumes = &volumes, .backups = &backups, .services = &services, .tokens = &tokens},
      auth);
}

Result<std::unique_ptr<RpcServer>> RpcServer::Start(const std::string& address,
                                                    const RpcServices& services,
                                                    const OperatorAuth& auth) {
  auto impl = std::make_unique<Impl>();
  if (services.volumes != nullptr) impl->volume_service.emplace(*services.volumes, auth);
  if (services.volumes != nullptr && services.volume_host) {
    impl->volume_host_service.emplace(*services.volumes, auth);
  }
  if (services.backups != nullptr) impl->backup_service.emplace(*services.backups, auth);
  if (services.services != nullptr && services.tokens != nullptr) {
    impl->service_admin.emplace(*services.services, *services.tokens, auth);
  }
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default on Linux, which would let a second daemon bind the same
  // port and silently share the traffic; a busy port must be a startup error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &impl->port);
  if (impl->volume_service) builder.RegisterService(&*impl->volume_service);
  if (impl->volume_host_service) builder.RegisterService(&*impl->volume_host_service);
  if (impl->backup_service) builder.RegisterService(&*impl->backup_service);
  if (impl->service_admin) builder.RegisterService(&*impl->service_admin);
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return Status::Unavailable("cannot listen on " + address +
                               " (address in use or not valid for this host)");
  }
  return std::unique_ptr<RpcServer>(new RpcServer(std::move(impl)));
}

int RpcServer::port() const { return impl_->port; }

void RpcServer::Shutdown(std::chrono::milliseconds grace) {
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  // Watches follow jobs that may run for hours: end them now rather than after the grace.
  if (impl_->backup_service) impl_->backup_service->StopWatches();
  impl_->server->Shutdown(std::chrono::system_clock::now() + grace);
  impl_->server->Wait();
}

}  // namespace bb
