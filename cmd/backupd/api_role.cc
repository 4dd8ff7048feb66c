// Role api's wiring (api_role.h).
#include "cmd/backupd/api_role.h"

#include <unistd.h>

#include <algorithm>
#include <memory>

#include "api/api_server.h"
#include "api/authenticator.h"
#include "backup_service/auth/api_tokens.h"
#include "backup_service/common/log.h"
#include "backup_service/db/database.h"
#include "cmd/backupd/daemon_support.h"
#include "rpc/remote_api_operations.h"

namespace bb {
namespace {

// Waits until both daemons answer and are seen to check the tokens role api forwards, every
// 1 s at first and then up to every 15 s (the daemons may start after this one). A daemon that
// answers a call without a valid token (grpc_auth = trusted-header) is refused for good: it
// would act for whatever project the call names, not for the caller. Cancelled by a stop signal.
Status WaitForBackends(RemoteBackupOperations& backups, RemoteVolumeOperations& volumes,
                       const sigset_t& stop_signals) {
  int delay_s = 1;
  for (;;) {
    Status st = backups.CheckChecksTokens();
    if (st.ok()) st = volumes.CheckChecksTokens();
    if (st.ok()) return st;
    if (st.code() == StatusCode::kFailedPrecondition) return st;
    BB_LOG(kError) << "role api: " << st.ToString() << "; the REST API waits, retrying in "
                   << delay_s << " s";
    timespec wait{.tv_sec = delay_s, .tv_nsec = 0};
    if (sigtimedwait(&stop_signals, nullptr, &wait) > 0) return Status::Cancelled("stopped");
    delay_s = std::min(delay_s * 2, 15);
  }
}

}  // namespace

int RunApiRole(const BackupdConfig& config, const sigset_t& stop_signals, bool* served) {
  auto db = Database::Open(config.database);
  if (!db.ok()) return Fail("database", db.status());
  if (Status s = (*db)->ApplyMigrations(config.schema_dir); !s.ok()) {
    return Fail("schema migrations from " + config.schema_dir, s);
  }
  ApiTokens tokens(**db);
  auto auth = api::CreateAuthenticator(config.api_auth, tokens);
  if (!auth.ok()) return Fail("api_auth", auth.status());

  ClientTlsFiles tls{.ca_file = config.backend_tls_ca_file,
                     .cert_file = config.backend_tls_cert_file,
                     .key_file = config.backend_tls_key_file,
                     .ca_name = "backend_tls_ca_file",
                     .cert_name = "backend_tls_cert_file",
                     .key_name = "backend_tls_key_file"};
  auto backups = RemoteBackupOperations::Connect(config.backup_service_address, tls);
  if (!backups.ok()) return Fail("backup_service_address", backups.status());
  auto volumes = RemoteVolumeOperations::Connect(config.volume_service_address, tls);
  if (!volumes.ok()) return Fail("volume_service_address", volumes.status());
  if (Status s = WaitForBackends(**backups, **volumes, stop_signals); !s.ok()) {
    if (s.code() == StatusCode::kCancelled) return 0;
    return Fail("role api", s);
  }

  auto server = api::ApiServer::Start({.listen = config.api_listen,
                                       .tls_cert_file = config.api_tls_cert_file,
                                       .tls_key_file = config.api_tls_key_file},
                                      volumes->get(), **backups, **auth);
  if (!server.ok()) return Fail("REST API", server.status());
  // Both port files carry the REST API's port: role api has no other endpoint.
  for (const std::string& file : {config.api_port_file, config.port_file}) {
    if (file.empty()) continue;
    if (Status s = WritePortFile(file, (*server)->port()); !s.ok()) return Fail("port file", s);
  }
  if (config.api_auth == "noauth") {
    BB_LOG(kWarning) << "REST API in noauth mode: any X-Auth-Token USER:PROJECT is trusted as "
                        "an admin (development only); the daemons behind must run noauth too";
  }
  BB_LOG(kInfo) << "backupd listening on " << BoundAddress(config.api_listen, (*server)->port())
                << " (role=api, REST API only, auth=" << (*auth)->name()
                << (config.api_tls_cert_file.empty() ? ", plain HTTP" : ", HTTPS")
                << "; backups at " << config.backup_service_address << ", volumes at "
                << config.volume_service_address
                << (config.backend_tls_ca_file.empty()     ? ", plaintext gRPC"
                    : config.backend_tls_cert_file.empty() ? ", gRPC over TLS"
                                                           : ", gRPC over mutual TLS")
                << ")";
  *served = true;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  BB_LOG(kInfo) << "backupd stopping (signal " << signal_number << ")";
  (*server)->Shutdown();
  for (const std::string& file : {config.api_port_file, config.port_file}) {
    if (!file.empty()) unlink(file.c_str());
  }
  return 0;
}

}  // namespace bb
