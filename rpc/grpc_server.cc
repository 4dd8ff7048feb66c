// RpcServer: grpc::ServerBuilder with TLS or plaintext credentials and the auth interceptor.
#include "rpc/grpc_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <optional>

#include "backup_service/auth/tls_files.h"
#include "rpc/auth_interceptor.h"
#include "rpc/backup_service_impl.h"
#include "rpc/call_auth.h"
#include "rpc/service_admin_impl.h"
#include "rpc/volume_host_service_impl.h"
#include "rpc/volume_service_impl.h"

namespace bb {

namespace {

// Plaintext without a certificate; otherwise TLS, requiring and verifying a client certificate
// when a client CA is configured.
Result<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const RpcServerOptions& options) {
  if (options.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  ASSIGN_OR_RETURN(TlsPem pem, LoadTlsFiles("grpc_tls", options.tls_cert_file, options.tls_key_file,
                                            options.tls_client_ca_file));
  grpc::SslServerCredentialsOptions ssl(
      pem.client_ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = pem.client_ca;
  ssl.pem_key_cert_pairs.push_back({pem.private_key, pem.cert_chain});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

struct RpcServer::Impl {
  Impl(GrpcAuthMode mode, api::Authenticator* authenticator, const OperatorAuth& auth)
      : call_auth(mode, authenticator, auth) {}
  CallAuth call_auth;
  std::optional<VolumeServiceImpl> volume_service;
  std::optional<VolumeHostServiceImpl> volume_host_service;  // operator token only, checked there
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

Result<std::unique_ptr<RpcServer>> RpcServer::Start(const RpcServerOptions& options,
                                                    VolumeManager& volumes, BackupManager& backups,
                                                    ServiceAdmin& services, ApiTokens& tokens,
                                                    const OperatorAuth& auth) {
  return Start(
      options,
      RpcServices{
          .volumes = &volumes, .backups = &backups, .services = &services, .tokens = &tokens},
      auth);
}

Result<std::unique_ptr<RpcServer>> RpcServer::Start(const RpcServerOptions& options,
                                                    const RpcServices& services,
                                                    const OperatorAuth& auth) {
  const std::string& address = options.address;
  std::optional<GrpcAuthMode> mode = ParseGrpcAuthMode(options.auth_mode);
  if (!mode) return Status::InvalidArgument("unknown grpc_auth '" + options.auth_mode + "'");
  if (*mode == GrpcAuthMode::kToken && options.authenticator == nullptr) {
    return Status::InvalidArgument("grpc_auth = token needs an authenticator");
  }
  ASSIGN_OR_RETURN(auto credentials, MakeServerCredentials(options));
  auto impl = std::make_unique<Impl>(*mode, options.authenticator, auth);
  if (services.volumes != nullptr) impl->volume_service.emplace(*services.volumes, impl->call_auth);
  if (services.volumes != nullptr && services.volume_host) {
    impl->volume_host_service.emplace(*services.volumes, auth);
  }
  if (services.backups != nullptr) impl->backup_service.emplace(*services.backups, impl->call_auth);
  if (services.services != nullptr && services.tokens != nullptr) {
    impl->service_admin.emplace(*services.services, *services.tokens, auth);
  }
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MakeAuthInterceptorFactory(impl->call_auth));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  // gRPC sets SO_REUSEPORT by default on Linux, which would let a second daemon bind the same
  // port and silently share the traffic; a busy port must be a startup error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(address, credentials, &impl->port);
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
