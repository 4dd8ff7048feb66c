// PostgreSQL goes away while a real backupd runs a backup, a restore or a delete: either every
// connection of the daemon is terminated (pg_terminate_backend), or the whole server is stopped
// until the job has reached its next database write and then started again. The test runs its
// own throw-away server for that (devstack/lib/postgres.sh), so it can restart it.
// Then: the operation ends in a resting status (never stuck creating/restoring/deleting), the
// volume is back in its status, nothing is left (no temporary, no chunk of a failed backup, no
// object of a deleted one), and the same daemon process serves requests again and holds its host
// identity again (a second backupd with the same identity is refused).
// A last test loses only the identity's lock connection and starts a second daemon with the same
// identity at once: never do both work on; the one that lost the identity stops at once.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "backup_service/common/command_runner.h"
#include "tests/integration/backupd_grpc_fixture.h"
#include "tests/integration/crash_audit.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

enum class Outage { kTerminateConnections, kRestartServer };
enum class Operation { kBackup, kRestore, kDelete };

// The throw-away server: devstack's own functions start and stop it.
class ThrowAwayServer {
 public:
  static Result<std::unique_ptr<ThrowAwayServer>> Start() {
    auto dir = bb::testing::TempDir::Create("bb-pg-outage-");
    if (!dir.ok()) return dir.status();
    std::unique_ptr<ThrowAwayServer> s(new ThrowAwayServer(std::move(dir).value()));
    // The server runs as an unprivileged user, who must be able to enter the directory.
    std::filesystem::permissions(s->dir_.path(), std::filesystem::perms(0755));
    s->port_ = 20000 + static_cast<int>(std::random_device{}() % 20000);
    RETURN_IF_ERROR(s->Run("BB_PG_FAST=1 bb_pg_start \"$1\" \"$2\""));
    return s;
  }
  ~ThrowAwayServer() { (void)Run("bb_pg_stop \"$1\""); }
  Status Stop() { return Run("bb_pg_stop \"$1\""); }
  Status Restart() { return Run("BB_PG_FAST=1 bb_pg_start \"$1\" \"$2\""); }
  std::string conninfo() const {
    return "host=" + dir_.path() + "/pg/sock port=" + std::to_string(port_) +
           " user=bb dbname=postgres";
  }

 private:
  explicit ThrowAwayServer(bb::testing::TempDir dir) : dir_(std::move(dir)) {}
  // Runs a devstack/lib/postgres.sh function with the data directory and port as $1 and $2.
  Status Run(const std::string& script) {
    SystemCommandRunner runner;
    std::string lib = BB_DEVSTACK_LIB;
    auto r = RunChecked(
        runner, {"bash", "-c",
                 "source " + lib + "/common.sh && source " + lib + "/postgres.sh && " + script,
                 "bash", dir_.path() + "/pg", std::to_string(port_)});
    return r.ok() ? Status::Ok() : r.status();
  }
  bb::testing::TempDir dir_;
  int port_ = 0;
};

class PgOutageTest : public BackupdGrpcTest {
 protected:
  static void SetUpTestSuite() {
    const char* stage = std::getenv("BB_TEST_PG_CONNINFO");
    if (stage == nullptr || *stage == '\0') return;  // not the PostgreSQL stage: SetUp skips
    auto server = ThrowAwayServer::Start();
    if (!server.ok()) {
      setup_error_ = new std::string("throw-away server: " + server.status().ToString());
      return;
    }
    server_ = std::move(server).value().release();
    auto db = TestDatabase::Create(server_->conninfo());
    if (!db.ok()) {
      setup_error_ = new std::string(db.status().ToString());
      return;
    }
    database_ = std::move(db).value().release();
  }
  static void TearDownTestSuite() {
    BackupdGrpcTest::TearDownTestSuite();
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    BackupdGrpcTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    // The test's own directories, so a second daemon can share them and they outlive the first.
    auto dir = bb::testing::TempDir::Create("bb-pg-outage-");
    ASSERT_TRUE(dir.ok());
    work_.emplace(std::move(dir).value());
    hits_file_ = work_->path() + "/failpoint-hits";
    options_.volumes_dir = work_->path() + "/volumes";
    options_.store_dir = work_->path() + "/store";
    std::filesystem::create_directories(options_.volumes_dir);
    std::filesystem::create_directories(options_.store_dir);
  }
  void TearDown() override {
    if (HasFailure() && daemon_) {
      std::istringstream log(daemon_->Log());
      std::cerr << "backupd log (without DEBUG lines):\n";
      for (std::string line; std::getline(log, line);) {
        if (line.find(" DEBUG ") == std::string::npos) std::cerr << line << "\n";
      }
    }
    BackupdGrpcTest::TearDown();
    // For tests/run.sh's "every failpoint was reached" stage, as crash_fixture.h does.
    const char* global = std::getenv("BB_FAILPOINT_HITS");
    if (work_ && global != nullptr && *global != '\0') {
      std::ifstream in(hits_file_);
      std::ofstream out(global, std::ios::app);
      out << in.rdbuf();
    }
  }

  // Restarts the daemon with `failpoints` (delays that widen the window) and hits recorded.
  void StartWithFailpoints(const std::string& failpoints) {
    StopDaemon();
    BackupdOptions options = options_;
    options.env = {"BB_FAILPOINTS=" + failpoints, "BB_FAILPOINT_HITS=" + hits_file_};
    StartDaemon(options);
  }

  void WaitForHit(const std::string& failpoint) {
    auto deadline = Clock::now() + seconds(60);
    while (Clock::now() < deadline) {
      std::ifstream in(hits_file_);
      for (std::string line; std::getline(in, line);) {
        if (line == failpoint) return;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL() << failpoint << " not reached; log:\n" << daemon_->Log();
  }

  // Waits until the backup's progress shows the job copying.
  void WaitForProgress(const std::string& backup_id) {
    auto deadline = Clock::now() + seconds(60);
    while (Clock::now() < deadline) {
      v1::GetBackupRequest request;
      request.set_backup_id(backup_id);
      v1::Backup b;
      if (backups_->GetBackup(Ctx().get(), request, &b).ok() && b.bytes_done() > 0) return;
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL() << "no progress of " << backup_id << "; log:\n" << daemon_->Log();
  }

  void Psql(const std::string& sql) {
    SystemCommandRunner runner;
    auto r = RunChecked(runner, {"psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d",
                                 database_->conninfo(), "-c", sql});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  void TerminateDaemonConnections() {
    Psql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
        "current_database() AND pid <> pg_backend_pid()");
  }

  // The outage between two points of the job: `before` reached -> connections terminated, or
  // the server stopped until `after` (a database write follows it) is reached, then started.
  void Outage(Outage kind, const std::string& after) {
    if (kind == Outage::kTerminateConnections) {
      TerminateDaemonConnections();
      return;
    }
    ASSERT_TRUE(server_->Stop().ok());
    WaitForHit(after);
    ASSERT_TRUE(server_->Restart().ok());
  }

  // Polls GetBackup (UNAVAILABLE while the daemon reconnects is fine) until it is not
  // `transitional`; NOT_FOUND is "gone".
  std::string WaitForRestingBackup(const std::string& id, const std::string& transitional) {
    auto deadline = Clock::now() + seconds(120);
    while (Clock::now() < deadline) {
      v1::GetBackupRequest request;
      request.set_backup_id(id);
      v1::Backup b;
      grpc::Status s = backups_->GetBackup(Ctx().get(), request, &b);
      if (s.error_code() == grpc::StatusCode::NOT_FOUND) return "gone";
      if (s.ok() && b.status() != transitional) return b.status() + " " + b.fail_reason();
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "backup " << id << " still " << transitional << "; log:\n" << daemon_->Log();
    return transitional;
  }

  // Records, volume files, loop devices, manifests and chunks consistent (crash_audit.h).
  void ExpectNothingLeaked() {
    std::string all;
    for (const auto& p : AuditNothingLeaked(
             {database_->conninfo(), project_, options_.volumes_dir, options_.store_dir})) {
      all += "\n  " + p;
    }
    EXPECT_TRUE(all.empty()) << all;
  }

  // The same process serves again and holds its identity again.
  void ExpectDaemonRecovered() {
    EXPECT_FALSE(daemon_->WaitForExit(milliseconds(0)).ok()) << "backupd exited";
    v1::Volume v = CreateVolume(1, "after-outage");
    EXPECT_EQ(v.status(), "available");
    auto deadline = Clock::now() + seconds(20);
    for (;;) {
      auto second = BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR);
      if (!second.ok() && second.status().message().find("another backupd holds host identity") !=
                              std::string::npos) {
        break;  // refused: the first one holds its identity
      }
      ASSERT_LT(Clock::now(), deadline)
          << "a second backupd with the same identity was not refused: "
          << (second.ok() ? std::string("it started") : second.status().ToString());
      if (second.ok()) (*second)->Kill();
      std::this_thread::sleep_for(milliseconds(200));
    }
  }

  static inline ThrowAwayServer* server_ = nullptr;
  std::optional<bb::testing::TempDir> work_;
  BackupdOptions options_;
  std::string hits_file_;
};

class PgOutageOperationTest : public PgOutageTest,
                              public ::testing::WithParamInterface<std::tuple<Operation, Outage>> {
};

TEST_P(PgOutageOperationTest, OperationEndsCleanlyAndTheDaemonReconnects) {
  auto [operation, outage] = GetParam();
  // Delays per chunk keep the job running while PostgreSQL goes away.
  StartWithFailpoints(
      "create.mid_upload=delay:4,restore.mid_write=delay:4,delete.after_manifest_removed=delay:"
      "3000");
  v1::Volume volume = CreateVolume(1, "source");
  WritePattern(volume.id(), 3 * kMiB, 16 * kMiB, 7);

  if (operation == Operation::kBackup) {
    v1::CreateBackupRequest request;
    request.set_volume_id(volume.id());
    v1::Backup backup;
    ASSERT_TRUE(backups_->CreateBackup(Ctx().get(), request, &backup).ok());
    WaitForProgress(backup.id());
    // Down until the copy is over: the volume's release and the backup's commit come right
    // after the manifest, while the server is still starting.
    Outage(outage, "create.before_manifest");
    // Available, or error when the copy lost its container lock with its session (another
    // daemon's collector may have run meanwhile: create_backup.cc); never stuck, never leaked.
    std::string end = WaitForRestingBackup(backup.id(), "creating");
    EXPECT_TRUE(end.starts_with("available") || end.starts_with("error")) << end;
    EXPECT_EQ(GetVolume(volume.id()).status(), "available");
    if (end.starts_with("available")) {
      v1::Volume restored = RestoreAndWait(backup.id(), "");
      ExpectSameContent(volume.id(), restored.id());
    }
  } else {
    v1::Backup backup = BackupAndWait(volume.id());
    ASSERT_EQ(backup.status(), "available");
    if (operation == Operation::kRestore) {
      v1::Volume target = CreateVolume(1, "target");
      v1::RestoreBackupRequest request;
      request.set_backup_id(backup.id());
      request.set_volume_id(target.id());
      v1::RestoreBackupResponse response;
      ASSERT_TRUE(backups_->RestoreBackup(Ctx().get(), request, &response).ok());
      WaitForProgress(backup.id());
      Outage(outage, "restore.before_volume_available");
      std::string end = WaitForRestingBackup(backup.id(), "restoring");
      EXPECT_EQ(end.substr(0, end.find(' ')), "available") << end;
      EXPECT_EQ(GetVolume(target.id()).status(), "available");
      ExpectSameContent(volume.id(), target.id());
    } else {
      v1::DeleteBackupRequest request;
      request.set_backup_id(backup.id());
      v1::Backup deleting;
      ASSERT_TRUE(backups_->DeleteBackup(Ctx().get(), request, &deleting).ok());
      WaitForHit("delete.after_manifest_removed");
      // Down while the delete waits between the manifest's removal and the collection. The v2
      // collector takes its locks in PostgreSQL, so the delete cannot get further before the
      // server is back (it waits the outage out: delete_backup.cc); back up before it goes on.
      Outage(outage, "delete.after_manifest_removed");
      EXPECT_EQ(WaitForRestingBackup(backup.id(), "deleting"), "gone");
    }
    EXPECT_EQ(GetVolume(volume.id()).status(), "available");
  }
  ExpectNothingLeaked();
  ExpectDaemonRecovered();
}

std::string CaseName(const ::testing::TestParamInfo<std::tuple<Operation, Outage>>& param) {
  const char* op[] = {"Backup", "Restore", "Delete"};
  const char* outage[] = {"TerminateConnections", "RestartServer"};
  return std::string(op[static_cast<int>(std::get<0>(param.param))]) +
         outage[static_cast<int>(std::get<1>(param.param))];
}

INSTANTIATE_TEST_SUITE_P(
    Outages, PgOutageOperationTest,
    ::testing::Combine(::testing::Values(Operation::kBackup, Operation::kRestore,
                                         Operation::kDelete),
                       ::testing::Values(Outage::kTerminateConnections, Outage::kRestartServer)),
    CaseName);

TEST_F(PgOutageTest, ADaemonThatLostItsIdentityToAnotherStopsAtOnce) {
  StartWithFailpoints("create.mid_upload=delay:4");
  v1::Volume volume = CreateVolume(1, "source");
  WritePattern(volume.id(), 0, 16 * kMiB, 9);
  v1::CreateBackupRequest request;
  request.set_volume_id(volume.id());
  v1::Backup backup;
  ASSERT_TRUE(backups_->CreateBackup(Ctx().get(), request, &backup).ok());
  WaitForProgress(backup.id());

  // Only the identity's connection: the one holding the advisory lock on the identity's key
  // (host_identity.cc; pg_locks shows a bigint key as classid = high, objid = low 32 bits).
  Psql(
      "SELECT pg_terminate_backend(l.pid) FROM pg_locks l, services s, "
      "LATERAL (SELECT hashtextextended('bb-host:' || s.host, 0) AS k) key "
      "WHERE s.stopped_at IS NULL AND l.locktype = 'advisory' AND l.objsubid = 1 "
      "AND l.classid::bigint = (key.k >> 32) & 4294967295 "
      "AND l.objid::bigint = key.k & 4294967295");
  auto second =
      BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, options_);
  if (!second.ok()) {
    // The first one claimed its identity again before the second asked: it works on.
    EXPECT_NE(second.status().message().find("another backupd holds host identity"),
              std::string::npos)
        << second.status().ToString();
    EXPECT_EQ(WaitForRestingBackup(backup.id(), "creating").substr(0, 9), "available");
    return;
  }
  // The second one holds the identity and has cleaned up the first one's backup: the first
  // must stop working at once, without touching what is now the second's.
  auto first = daemon_->WaitForExit(seconds(3));
  ASSERT_TRUE(first.ok()) << "the daemon that lost its identity still runs; log:\n"
                          << daemon_->Log();
  EXPECT_TRUE(WIFEXITED(*first) && WEXITSTATUS(*first) == 75) << "wait status " << *first;
  EXPECT_NE(daemon_->Log().find("lost the host identity"), std::string::npos) << daemon_->Log();
  KillDaemon();
  daemon_ = std::move(second).value();
  auto channel = grpc::CreateChannel(daemon_->endpoint(), grpc::InsecureChannelCredentials());
  volumes_ = v1::VolumeService::NewStub(channel);
  backups_ = v1::BackupService::NewStub(channel);
  EXPECT_EQ(WaitForRestingBackup(backup.id(), "creating").substr(0, 5), "error");
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");
  // The second one's cleanup could not collect the failed backup's chunks while the first
  // still held the container (recovery.cc: the next delete there does): after a backup and its
  // delete, nothing is left.
  v1::Backup next = BackupAndWait(volume.id());
  v1::DeleteBackupRequest del;
  del.set_backup_id(next.id());
  v1::Backup deleting;
  ASSERT_TRUE(backups_->DeleteBackup(Ctx().get(), del, &deleting).ok());
  EXPECT_EQ(WaitForRestingBackup(next.id(), "deleting"), "gone");
  ExpectNothingLeaked();
}

}  // namespace
}  // namespace bb::it
