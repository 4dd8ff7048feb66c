// RpcServer: the daemon's gRPC endpoint serving VolumeService, BackupService and ServiceAdmin
// (role all), or the subset of its role: role volume serves VolumeService and the internal
// VolumeHostService, role backup BackupService and ServiceAdmin.
// The header is free of gRPC types so that cmd/backupd (and anything else outside rpc/) does not
// include gRPC headers. Start binds and starts serving; the bound port is known at once, which
// makes "127.0.0.1:0" (any free port) usable by tests.
// Thread-safety: Start/Shutdown are called from one thread (main); handlers run on gRPC threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "backup_service/common/result.h"

namespace bb {

namespace api {
class Authenticator;
}
class ApiTokens;
class BackupManager;
class OperatorAuth;
class ServiceAdmin;
class VolumeManager;

// The services to serve; a null manager leaves its services out.
struct RpcServices {
  VolumeManager* volumes = nullptr;  // VolumeService
  bool volume_host = false;          // also the internal VolumeHostService (needs volumes)
  BackupManager* backups = nullptr;  // BackupService
  ServiceAdmin* services = nullptr;  // ServiceAdmin (needs tokens)
  ApiTokens* tokens = nullptr;
};

struct RpcServerOptions {
  std::string address;  // "HOST:PORT", e.g. "127.0.0.1:8777" or "127.0.0.1:0"
  // TLS (grpc::SslServerCredentials) when the certificate is set; with a client CA as well,
  // clients must present a certificate it signed (mutual TLS). Files as in backupd's config.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Who calls act for (rpc/call_auth.h): "token" needs `authenticator`; "trusted-header".
  std::string auth_mode = "trusted-header";
  api::Authenticator* authenticator = nullptr;
};

class RpcServer {
 public:
  // The services of `services` (a role's subset). The managers, `authenticator` and `auth` must
  // outlive the server. InvalidArgument for unreadable or mismatched TLS files (naming the
  // grpc_tls_* key) or an unknown auth mode; Unavailable when the address cannot be bound (in
  // use, bad host).
  static Result<std::unique_ptr<RpcServer>> Start(const RpcServerOptions& options,
                                                  const RpcServices& services,
                                                  const OperatorAuth& auth);
  // Role all: VolumeService, BackupService and ServiceAdmin.
  static Result<std::unique_ptr<RpcServer>> Start(const RpcServerOptions& options,
                                                  VolumeManager& volumes, BackupManager& backups,
                                                  ServiceAdmin& services, ApiTokens& tokens,
                                                  const OperatorAuth& auth);
  ~RpcServer();  // shuts down (without grace) if Shutdown was not called

  // The port actually bound (the chosen one when the address asked for port 0).
  int port() const;
  // Stops accepting calls, lets running calls finish for up to `grace`, then cancels the rest.
  void Shutdown(std::chrono::milliseconds grace);

 private:
  struct Impl;
  explicit RpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bb
