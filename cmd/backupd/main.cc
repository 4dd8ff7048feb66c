// backupd: the block-storage backup daemon. Wires the configured database, volume driver, object
// store and managers together, serves gRPC, and shuts down cleanly on SIGTERM/SIGINT.
//
// Signals: SIGTERM and SIGINT are blocked before any thread exists (every thread inherits the
// mask) and main collects them with sigwait, so no handler runs in an arbitrary thread and
// shutdown happens in ordinary code. Destruction order is the reverse of construction: the
// server stops first (no new calls), then BackupManager's destructor waits for running jobs,
// then the volume manager, store, driver and database go.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/api_server.h"
#include "api/authenticator.h"
#include "backup_service/auth/api_tokens.h"
#include "backup_service/common/command_runner.h"
#include "backup_service/common/failpoint.h"
#include "backup_service/common/log.h"
#include "backup_service/db/database.h"
#include "backup_service/db/host_identity.h"
#include "backup_service/manager/backup_manager.h"
#include "backup_service/manager/service_admin.h"
#include "backup_service/model/failpoints.h"
#include "backup_service/object_stores/object_store.h"
#include "backup_service/volume_manager/volume_manager.h"
#include "cmd/backupd/backupd_config.h"
#include "rpc/grpc_server.h"
#include "rpc/operator_auth.h"
#include "volume_drivers/volume_driver.h"

namespace bb {
namespace {

// Startup failures are one line on stderr; libpq messages span lines, so whitespace runs
// (newlines, tabs) are folded into single spaces.
int Fail(const std::string& what, const Status& status) {
  std::string line;
  for (char ch : status.ToString()) {
    bool space = ch == '\n' || ch == '\t' || ch == '\r' || ch == ' ';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line.push_back(space ? ' ' : ch);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(stderr, "backupd: %s: %s\n", what.c_str(), line.c_str());
  return 1;
}

std::string LocalHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

// Writes "PORT\n" to a temporary file next to `path` and renames it over `path`, so a reader
// polling for the file never sees it half written.
Status WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open " + tmp, errno);
  std::string text = std::to_string(port) + "\n";
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    unlink(tmp.c_str());
    return ErrnoStatus("write port file " + path, err);
  }
  return Status::Ok();
}

// "127.0.0.1:0" + 40123 -> "127.0.0.1:40123".
std::string BoundAddress(const std::string& listen, int port) {
  return listen.substr(0, listen.rfind(':')) + ":" + std::to_string(port);
}

constexpr char kVersion[] = "0.3-dev";
constexpr auto kHeartbeatInterval = std::chrono::seconds(10);
constexpr auto kSessionCheckInterval = std::chrono::seconds(1);
// Exit status when another process took this daemon's host identity (EX_TEMPFAIL).
constexpr int kLostIdentityExit = 75;

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

// Checks the identity's session every second and refreshes the services row every 10 s. A lost
// session (PostgreSQL restarted, or the connection terminated) releases the advisory lock, so it
// is claimed again at once. If another process took the identity meanwhile, it now owns this
// host's records and runs restart cleanup on them: this daemon exits at once, like a crash,
// without the graceful stop, because any further write of ours (even our jobs' cleanup) could
// undo what the new owner decided; our compare-and-swaps cannot tell that the owner changed.
class HeartbeatThread {
 public:
  explicit HeartbeatThread(HostIdentity& identity)
      : identity_(identity), thread_([this] { Loop(); }) {}
  ~HeartbeatThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    auto next_heartbeat = std::chrono::steady_clock::now() + kHeartbeatInterval;
    StatusCode last = StatusCode::kOk;
    while (!cv_.wait_for(lock, kSessionCheckInterval, [&] { return stop_; })) {
      bool due = std::chrono::steady_clock::now() >= next_heartbeat;
      Status st = due ? identity_.Heartbeat() : identity_.CheckSession();
      if (due) next_heartbeat = std::chrono::steady_clock::now() + kHeartbeatInterval;
      if (st.code() == StatusCode::kFailedPrecondition) {
        BB_LOG(kError) << "lost the host identity: " << st.message() << "; stopping at once";
        std::_Exit(kLostIdentityExit);
      }
      // Once per outage, not every second of it.
      if (!st.ok() && st.code() != last) BB_LOG(kWarning) << "host identity: " << st.ToString();
      if (st.ok() && last != StatusCode::kOk) BB_LOG(kInfo) << "host identity held again";
      last = st.code();
    }
  }
  HostIdentity& identity_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

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
  bool help = false;
  auto config = LoadBackupdConfig(args, LocalHostName(), &help);
  if (help) {
    std::fputs(BackupdUsage().c_str(), stdout);
    return 0;
  }
  if (!config.ok()) return Fail("configuration", config.status());
  SetLogLevel(config->log_level);

  if (Status s = ConfigureFailpoints(*config); !s.ok()) return Fail("failpoints", s);

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
  DriverConfig driver_config;
  if (!config->volumes_dir.empty()) driver_config["volumes_dir"] = config->volumes_dir;
  if (config->volume_driver == "file") {
    driver_config["snapshots"] = config->file_driver_snapshots ? "true" : "false";
    driver_config["target_helper"] = config->file_driver_target_helper;
    driver_config["iscsi_portal"] = config->iscsi_portal;
  }
  auto driver = CreateVolumeDriver(config->volume_driver, driver_config, runner);
  if (!driver.ok()) return Fail("volume driver " + config->volume_driver, driver.status());
  if (Status s = (*driver)->CheckForSetupError(); !s.ok()) {
    return Fail("volume driver " + config->volume_driver + " setup", s);
  }

  if (DriverCapabilities caps = (*driver)->Capabilities(); caps.can_snapshot || caps.can_clone) {
    BB_LOG(kInfo) << "volume driver " << config->volume_driver << ": snapshots "
                  << (caps.can_snapshot ? "yes" : "no (" + caps.no_snapshot_reason + ")")
                  << ", clones " << (caps.can_clone ? "yes" : "no")
                  << "; forced backups of in-use volumes read a temporary "
                  << (caps.can_snapshot ? "snapshot" : "clone");
  } else {
    BB_LOG(kWarning) << "volume driver " << config->volume_driver
                     << " can neither snapshot nor clone: forced backups of in-use volumes will "
                        "be refused ("
                     << caps.no_consistent_copy_reason << ")";
  }
  ObjectStoreConfig store_config;
  if (!config->store_path.empty()) store_config["path"] = config->store_path;
  auto store = CreateObjectStore(config->object_store, store_config);
  if (!store.ok()) return Fail("object store " + config->object_store, store.status());

  ListLimits list_limits{.default_limit = config->list_default_limit,
                         .max_limit = config->list_max_limit};
  VolumeManager volumes(**db, **driver, runner, config->host, list_limits);
  BackupManagerOptions options{
      .host = config->host,
      .default_container = config->default_container,
      .chunk_size = config->chunk_size_mib << 20,
      .compression_level = config->compression_level,
      .workers_per_job = config->workers_per_job,
      .max_concurrent_jobs = config->max_concurrent_jobs,
      .list_limits = list_limits,
      .attach = *ParseBackupAttach(config->backup_attach),
      .backup_connector = {config->host, config->iscsi_initiator_name, config->my_ip},
      .connector_options = {}};
  options.connector_options.initiator_name = config->iscsi_initiator_name;
  options.quota_defaults = {.backups = config->quota_backups,
                            .backup_gigabytes = config->quota_backup_gigabytes};
  BB_LOG(kInfo) << "backup_attach = " << config->backup_attach << "; exports: snapshots "
                << ((*driver)->Capabilities().snapshot_attachable ? "yes" : "no") << ", volumes "
                << ((*driver)->Capabilities().volume_attachable ? "yes" : "no");
  BackupManager backups(**db, volumes, **store, options);

  // Restart-time cleanup of what this host left unfinished, before serving requests.
  auto recovered = backups.RecoverHost(config->host);
  if (!recovered.ok()) {
    // Never blocks the start: the next start retries, and the operator can reset-status.
    BB_LOG(kError) << "restart cleanup: " << recovered.status().ToString();
  }
  // Then the volume and snapshot operations (whatever no backup cleanup above took care of).
  if (auto v = volumes.RecoverHost(); !v.ok()) {
    BB_LOG(kError) << "restart cleanup of volumes: " << v.status().ToString();
  }

  OperatorAuth operator_auth;
  if (!config->operator_token_file.empty()) {
    auto auth = OperatorAuth::FromFile(config->operator_token_file);
    if (!auth.ok()) return Fail("operator_token_file", auth.status());
    operator_auth = *auth;
  } else {
    BB_LOG(kInfo) << "no operator_token_file: admin requests (reset-status, force delete, "
                     "all_projects, service list/takeover) will be refused";
  }
  ServiceAdmin services(**db, **identity, backups);
  ApiTokens api_tokens(**db);
  auto server =
      RpcServer::Start(config->listen, volumes, backups, services, api_tokens, operator_auth);
  if (!server.ok()) return Fail("gRPC server", server.status());
  int port = (*server)->port();

  // The REST API over the same managers (api/). Its port file is written before the gRPC one,
  // so a reader that waits for port_file finds both.
  std::unique_ptr<api::Authenticator> api_auth;
  std::unique_ptr<api::ApiServer> api_server;
  if (config->api_enabled) {
    auto made = api::CreateAuthenticator(config->api_auth, api_tokens);
    if (!made.ok()) return Fail("api_auth", made.status());
    api_auth = std::move(*made);
    auto started =
        api::ApiServer::Start({.listen = config->api_listen}, volumes, backups, *api_auth);
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
                  << " (auth=" << api_auth->name() << ")";
  }
  if (!config->port_file.empty()) {
    if (Status s = WritePortFile(config->port_file, port); !s.ok()) {
      return Fail("port file", s);
    }
  }
  BB_LOG(kInfo) << "backupd listening on " << BoundAddress(config->listen, port)
                << " (driver=" << config->volume_driver << ", store=" << config->object_store
                << ")";

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
