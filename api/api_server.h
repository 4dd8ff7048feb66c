// ApiServer: the Cinder-compatible REST API (cpp-httplib) inside backupd, over the same
// VolumeManager and BackupManager as the gRPC services (in process), or, in role api, over gRPC
// calls to the daemons that own them. The header is free of httplib types.
//
// Every request under /v3/{project}/ (or /v3/ without the project, as Cinder 3.67+ accepts: the
// token's project) goes through one path (api_server.cc): microversion
// (400/406) -> X-Auth-Token (401) -> the URL's project against the token's (403) -> the route's
// role (403) and first version (404) -> the handler -> one Status-to-HTTP conversion
// (http_error.h). Version discovery (GET / and GET /v3/) needs no token. An unknown path is 404,
// a known path with another method 405, a body over max_body_bytes 413: all with Cinder's error
// body. The access log line has the method, path and status only: never headers (tokens) or
// bodies.
// Thread-safety: Start/Shutdown from one thread; requests run on httplib's worker threads.
#pragma once

#include <memory>
#include <string>

#include "backup_service/common/result.h"

namespace bb::api {

class Authenticator;
class BackupOperations;
class VolumeOperations;

struct ApiServerOptions {
  std::string listen = "127.0.0.1:8776";  // HOST:PORT; port 0 picks a free one
  size_t max_body_bytes = 114688;         // Cinder's osapi_max_request_body_size
  // HTTPS only (OpenSSL, cpp-httplib's SSLServer) when both are set: PEM files, checked at
  // Start (an unreadable file or a key that is not the certificate's is InvalidArgument).
  std::string tls_cert_file;
  std::string tls_key_file;
};

class ApiServer {
 public:
  // Binds and starts serving on a thread of its own. Unavailable when the address cannot be
  // bound; InvalidArgument for bad TLS files (naming the api_tls_* key). The operations (the
  // managers in process, or gRPC clients of other daemons in role api: volume_operations.h) and
  // the authenticator must outlive the server. `volumes` null (role backup: the volumes are
  // another daemon's) serves the backup routes only.
  static Result<std::unique_ptr<ApiServer>> Start(const ApiServerOptions& options,
                                                  VolumeOperations* volumes,
                                                  BackupOperations& backups, Authenticator& auth);
  ~ApiServer();  // Shutdown()

  int port() const;
  // Stops accepting connections and waits for the serving thread.
  void Shutdown();

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bb::api
