// backupd: the block-storage backup daemon. Wires the configured database, volume driver, object
// store and managers together, serves gRPC, and shuts down cleanly on SIGTERM/SIGINT.
//
// Signals: SIGTERM and SIGINT are blocked before any thread exists (every thread inherits the
// mask) and main collects them with sigwait, so no handler runs in an arbitrary thread and
// shutdown happens in ordinary code. Destruction order is the reverse of construction: the
// server stops first (no new calls), then BackupManager's destructor waits for running jobs,
// then the volume host, store, volume manager, driver and database go.
// Roles (config `role`, README "Roles"): all wires everything in one process; volume only the
// driver, VolumeManager, VolumeService and the internal VolumeHostService; backup the object
// store, BackupManager over a RemoteVolumeHost, BackupService, ServiceAdmin and the REST API;
// api only the REST API over gRPC calls to the others (api_role.h).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "api/api_server.h"
#include "api/authenticator.h"
#include "api/local_operations.h"
#include "backup_service/auth/api_tokens.h"
#include "backup_service/common/command_runner.h"
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/datapath/compressor.h"
#include "backup_service/datapath/pipeline_v2/v2_container.h"
#include "backup_service/db/database.h"
#include "backup_service/db/host_identity.h"
#include "backup_service/manager/backup_manager.h"
#include "backup_service/manager/local_volume_host.h"
#include "backup_service/manager/service_admin.h"
#include "backup_service/model/failpoints.h"
#include "backup_service/object_stores/object_store.h"
#include "backup_service/volume_manager/volume_manager.h"
#include "cmd/backupd/api_role.h"
#include "cmd/backupd/backupd_config.h"
#include "cmd/backupd/daemon_support.h"
#include "cmd/backupd/rotate_master_key.h"
#include "rpc/grpc_server.h"
#include "rpc/operator_auth.h"
#include "rpc/remote_volume_host.h"
#include "volume_drivers/volume_driver.h"

namespace bb {
namespace {

constexpr char kVersion[] = "0.3-dev";

// Failpoints from BB_FAILPOINTS (or the config key), hits recorded to BB_FAILPOINT_HITS.
Status ConfigureFailpoints(const BackupdConfig& config) {
  const char* env = std::getenv("BB_FAILPOINTS");
  std::string spec = env != nullptr ? env : config.failpoints;
  RETURN_IF_ERROR(failpoint::Configure(spec, AllFailpointNames()));
  if (!spec.empty()) BB_LOG(kWarning) << "failpoints enabled: " << spec;
  if (const char* hits = std::getenv("BB_FAILPOINT_HITS"); hits != nullptr && *hits != '\0') {
    RETURN_IF_ERROR(failpoint::RecordHitsTo(hits));
  }
  return Status::Ok();
}

// The driver (its options as configured: volume_driver.<key> and the aliases; it validates
// them), its setup check, and a line saying what forced backups of in-use volumes will read.
Result<std::unique_ptr<VolumeDriver>> MakeVolumeDriver(const BackupdConfig& config,
                                                       CommandRunner& runner) {
  ASSIGN_OR_RETURN(auto driver,
                   CreateVolumeDriver(config.volume_driver, config.volume_driver_options, runner));
  RETURN_IF_ERROR(driver->CheckForSetupError().WithContext("setup"));
  if (DriverCapabilities caps = driver->Capabilities(); caps.can_snapshot || caps.can_clone) {
    BB_LOG(kInfo) << "volume driver " << config.volume_driver << ": snapshots "
                  << (caps.can_snapshot ? "yes" : "no (" + caps.no_snapshot_reason + ")")
                  << ", clones " << (caps.can_clone ? "yes" : "no")
                  << "; forced backups of in-use volumes read a temporary "
                  << (caps.can_snapshot ? "snapshot" : "clone");
  } else {
    BB_LOG(kWarning) << "volume driver " << config.volume_driver
                     << " can neither snapshot nor clone: forced backups of in-use volumes will "
                        "be refused ("
                     << caps.no_consistent_copy_reason << ")";
  }
  return driver;
}

// Role backup: asks the volume host for its capabilities until it answers, every 1 s at first
// and then up to every 15 s, saying each time that it is unreachable and what waits for it.
// Cancelled when a stop signal arrives meanwhile (the signals stay blocked; sigtimedwait takes
// them here as sigwait does later).
Result<DriverCapabilities> WaitForVolumeHost(VolumeHost& host, const std::string& address,
                                             const sigset_t& stop_signals) {
  int delay_s = 1;
  for (;;) {
    auto caps = host.Capabilities();
    if (caps.ok()) {
      BB_LOG(kInfo) << "volume host " << address << " reached";
      return caps;
    }
    BB_LOG(kError) << "volume host " << address << " cannot be reached ("
                   << caps.status().ToString() << "); restart cleanup and serving wait for it, "
                   << "retrying in " << delay_s << " s";
    timespec wait{.tv_sec = delay_s, .tv_nsec = 0};
    if (sigtimedwait(&stop_signals, nullptr, &wait) > 0) {
      BB_LOG(kInfo) << "backupd stopping while waiting for the volume host";
      return Status::Cancelled("stopped");
    }
    delay_s = std::min(delay_s * 2, 15);
  }
}

// *served is set once the daemon has listened (so main logs "stopped" only after serving).
int Run(int argc, char** argv, bool* served) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--list-failpoints") {
    // The table, for the test suite's "every failpoint was reached" check.
    for (const auto& f : AllFailpoints())
      std::printf("%.*s\t%.*s\n", static_cast<int>(f.name.size()), f.name.data(),
                  static_cast<int>(f.where.size()), f.where.data());
    return 0;
  }
  // Offline maintenance: re-wrap every container key with a new master key, then exit.
  if (IsRotateMasterKeyCommand(args)) return RunRotateMasterKey(args, LocalHostName());
  bool help = false;
  auto config = LoadBackupdConfig(args, LocalHostName(), &help);
  if (help) {
    std::fputs(BackupdUsage().c_str(), stdout);
    return 0;
  }
  if (!config.ok()) return Fail("configuration", config.status());
  SetLogLevel(config->log_level);

  if (Status s = ConfigureFailpoints(*config); !s.ok()) return Fail("failpoints", s);
  if (config->role == "api") return RunApiRole(*config, stop_signals, served);

  auto db = Database::Open(config->database);
  if (!db.ok()) return Fail("database", db.status());
  if (Status s = (*db)->ApplyMigrations(config->schema_dir); !s.ok()) {
    return Fail("schema migrations from " + config->schema_dir, s);
  }
  // Before any work: one live daemon per host identity, or restart cleanup could undo the
  // running work of another.
  auto identity = HostIdentity::Claim(config->database, config->host, getpid(), kVersion);
  if (!identity.ok()) return Fail("host identity " + config->host, identity.status());
  HeartbeatThread heartbeat(**identity);

  SystemCommandRunner runner;
  const bool volume_role = config->role != "backup";  // README "Roles"
  const bool backup_role = config->role != "volume";
  BB_LOG(kInfo) << "role = " << config->role;

  // The operator token first: role backup sends it to the volume host.
  OperatorAuth operator_auth;
  std::string operator_token;
  if (!config->operator_token_file.empty()) {
    auto auth = OperatorAuth::FromFile(config->operator_token_file);
    if (!auth.ok()) return Fail("operator_token_file", auth.status());
    operator_auth = *auth;
    auto token = ReadOperatorTokenFile(config->operator_token_file);
    if (!token.ok()) return Fail("operator_token_file", token.status());
    operator_token = *token;
  } else {
    BB_LOG(kInfo) << "no operator_token_file: admin requests (reset-status, force delete, "
                     "all_projects, service list/takeover) will be refused"
                  << (config->role == "volume" ? ", and so will every backup host's call" : "");
  }

  ListLimits list_limits{.default_limit = config->list_default_limit,
                         .max_limit = config->list_max_limit};
  std::unique_ptr<VolumeDriver> driver;
  std::unique_ptr<VolumeManager> volumes;
  if (volume_role) {
    auto made = MakeVolumeDriver(*config, runner);
    if (!made.ok()) return Fail("volume driver " + config->volume_driver, made.status());
    driver = std::move(made).value();
    volumes =
        std::make_unique<VolumeManager>(*db.value(), *driver, runner, config->host, list_limits);
  }

  std::unique_ptr<ObjectStore> store;
  std::unique_ptr<VolumeHost> volume_host;
  std::unique_ptr<BackupManager> backups;
  if (backup_role) {
    ObjectStoreConfig store_config;
    if (!config->store_path.empty()) store_config["path"] = config->store_path;
    auto made_store = CreateObjectStore(config->object_store, store_config);
    if (!made_store.ok()) return Fail("object store " + config->object_store, made_store.status());
    store = std::move(made_store).value();
    std::optional<Key256> master_key;
    if (!config->backup_master_key_file.empty()) {
      auto key = v2::ReadMasterKeyFile(config->backup_master_key_file);
      if (!key.ok()) {
        return Fail(
            "backup_master_key_file (create it with: head -c 32 /dev/urandom > FILE; "
            "chmod 600 FILE)",
            key.status());
      }
      master_key = *key;
    }
    if (volumes) {
      volume_host = std::make_unique<LocalVolumeHost>(*volumes);
    } else {
      volume_host =
          std::make_unique<RemoteVolumeHost>(config->volume_host_address, operator_token, runner);
    }
    BackupManagerOptions options{
        .host = config->host,
        .default_container = config->default_container,
        .chunk_size = config->chunk_size_mib << 20,
        .compression = CompressionFromName(config->compression).value_or(Compression::kZstd),
        .compression_level = config->compression_level,
        .storage_format =
            std::string(config->backup_format == "v1" ? kStorageChunkedV1 : kStoragePackedV2),
        .master_key = master_key,
        .workers_per_job = config->workers_per_job,
        .changed_extent_incrementals = config->changed_extent_incrementals,
        .collect_on_delete = config->collect_on_delete,
        .max_concurrent_jobs = config->max_concurrent_jobs,
        .list_limits = list_limits,
        .attach = *ParseBackupAttach(config->backup_attach),
        .use_temp_snapshot = config->backup_use_temp_snapshot,
        .backup_connector = {config->host, config->iscsi_initiator_name, config->my_ip},
        .connector_options = {}};
    options.connector_options.initiator_name = config->iscsi_initiator_name;
    options.connector_options.iscsi_initiator = config->iscsi_initiator;
    options.quota_defaults = {.backups = config->quota_backups,
                              .backup_gigabytes = config->quota_backup_gigabytes};
    // Role backup: the volume host must answer before restart cleanup can remove what a crash
    // left there (its exports and temporaries); it is waited for, never skipped.
    auto caps = volume_host->Capabilities();
    if (!caps.ok()) {
      caps = WaitForVolumeHost(*volume_host, config->volume_host_address, stop_signals);
      if (!caps.ok()) return 0;  // stopped while waiting
    }
    BB_LOG(kInfo) << "backup_attach = " << config->backup_attach
                  << (config->backup_use_temp_snapshot
                          ? ""
                          : ", backup_use_temp_snapshot = false (backups read temporary clones)")
                  << "; exports: snapshots " << (caps->snapshot_attachable ? "yes" : "no")
                  << ", volumes " << (caps->volume_attachable ? "yes" : "no")
                  << (volumes ? "" : "; volume host " + config->volume_host_address);
    backups = std::make_unique<BackupManager>(*db.value(), *volume_host, *store, options);

    // Restart-time cleanup of what this host left unfinished, before serving requests.
    auto recovered = backups->RecoverHost(config->host);
    if (!recovered.ok()) {
      // Never blocks the start: the next start retries, and the operator can reset-status.
      BB_LOG(kError) << "restart cleanup: " << recovered.status().ToString();
    }
  }
  // Then the volume and snapshot operations (whatever no backup cleanup above took care of). In
  // role volume, what a backup-role daemon's backups or restores hold is not touched: see
  // VolumeManager::RecoverHost (volume_recovery.cc) for the rule.
  if (volumes) {
    if (auto v = volumes->RecoverHost(); !v.ok()) {
      BB_LOG(kError) << "restart cleanup of volumes: " << v.status().ToString();
    }
  }

  std::unique_ptr<ServiceAdmin> services;
  ApiTokens api_tokens(**db);
  if (backups) services = std::make_unique<ServiceAdmin>(**db, **identity, *backups);
  // gRPC checks API tokens through the REST API's authenticator kind (api_auth), its own object.
  std::unique_ptr<api::Authenticator> grpc_authenticator;
  if (config->grpc_auth == "token") {
    auto made = api::CreateAuthenticator(config->api_auth, api_tokens);
    if (!made.ok()) return Fail("api_auth", made.status());
    grpc_authenticator = std::move(*made);
  }
  RpcServerOptions rpc_options{.address = config->listen,
                               .tls_cert_file = config->grpc_tls_cert_file,
                               .tls_key_file = config->grpc_tls_key_file,
                               .tls_client_ca_file = config->grpc_tls_client_ca_file,
                               .auth_mode = config->grpc_auth,
                               .authenticator = grpc_authenticator.get()};
  auto server = RpcServer::Start(rpc_options,
                                 RpcServices{.volumes = volumes.get(),
                                             .volume_host = config->role == "volume",
                                             .backups = backups.get(),
                                             .services = services.get(),
                                             .tokens = &api_tokens},
                                 operator_auth);
  if (!server.ok()) return Fail("gRPC server", server.status());
  int port = (*server)->port();

  // The REST API over the same managers (api/). Its port file is written before the gRPC one,
  // so a reader that waits for port_file finds both.
  std::unique_ptr<api::Authenticator> api_auth;
  std::unique_ptr<api::LocalVolumeOperations> api_volumes;  // before the server: it uses them
  std::unique_ptr<api::LocalBackupOperations> api_backups;
  std::unique_ptr<api::ApiServer> api_server;
  if (config->api_enabled && backups) {
    if (volumes) api_volumes = std::make_unique<api::LocalVolumeOperations>(*volumes);
    api_backups = std::make_unique<api::LocalBackupOperations>(*backups);
    auto made = api::CreateAuthenticator(config->api_auth, api_tokens);
    if (!made.ok()) return Fail("api_auth", made.status());
    api_auth = std::move(*made);
    auto started = api::ApiServer::Start({.listen = config->api_listen,
                                          .tls_cert_file = config->api_tls_cert_file,
                                          .tls_key_file = config->api_tls_key_file},
                                         api_volumes.get(), *api_backups, *api_auth);
    if (!started.ok()) return Fail("REST API", started.status());
    api_server = std::move(*started);
    if (!config->api_port_file.empty()) {
      if (Status s = WritePortFile(config->api_port_file, api_server->port()); !s.ok()) {
        return Fail("api port file", s);
      }
    }
    if (config->api_auth == "noauth") {
      BB_LOG(kWarning) << "REST API in noauth mode: any X-Auth-Token USER:PROJECT is trusted as "
                          "an admin (development only)";
    }
    BB_LOG(kInfo) << "REST API listening on "
                  << BoundAddress(config->api_listen, api_server->port())
                  << " (auth=" << api_auth->name()
                  << (config->api_tls_cert_file.empty() ? ", plain HTTP" : ", HTTPS") << ")";
  }
  if (!config->port_file.empty()) {
    if (Status s = WritePortFile(config->port_file, port); !s.ok()) {
      return Fail("port file", s);
    }
  }
  BB_LOG(kInfo) << "backupd listening on " << BoundAddress(config->listen, port)
                << " (role=" << config->role
                << ", driver=" << (volumes ? config->volume_driver : "none")
                << ", store=" << (backups ? config->object_store : "none") << ")";
  BB_LOG(kInfo) << "gRPC security: grpc_auth=" << config->grpc_auth << ", "
                << (config->grpc_tls_cert_file.empty()        ? "plaintext"
                    : config->grpc_tls_client_ca_file.empty() ? "TLS"
                                                              : "mutual TLS");

  *served = true;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  BB_LOG(kInfo) << "backupd stopping (signal " << signal_number << ")";
  if (api_server) api_server->Shutdown();
  if (!config->api_port_file.empty()) unlink(config->api_port_file.c_str());
  // Running calls get a short grace period; backup jobs are not RPCs and are waited for below.
  (*server)->Shutdown(std::chrono::seconds(5));
  server->reset();
  if (!config->port_file.empty()) unlink(config->port_file.c_str());
  BB_LOG(kInfo) << "backupd waiting for running jobs";
  return 0;  // backups (waits for jobs), volumes, store, driver, db are destroyed here
}

}  // namespace
}  // namespace bb

int main(int argc, char** argv) {
  bool served = false;
  int rc = bb::Run(argc, argv, &served);
  if (served) BB_LOG(kInfo) << "backupd stopped";
  return rc;
}
