// Roles end to end (README "Roles"): two real backupd processes on one PostgreSQL, a role volume
// daemon (file driver on a reflink XFS, exports through tgtd: file_driver_target_helper = tgt)
// and a role backup daemon (object store, connectors) that reaches it over the internal
// VolumeHostService, driven with the real backupctl (--endpoint the backup daemon,
// --volume-endpoint the volume daemon). A forced backup of an in-use volume is read remotely
// (temporary snapshot exported by the volume host, read with libiscsi by the backup host) and
// restores bit-exact; the volume daemon restarted mid-backup leaves the running backup alone;
// the backup daemon SIGKILLed mid-backup cleans up the volume host's snapshot and target at its
// restart. The internal service refuses calls without the operator token, and role backup with
// backup_attach = local does not start. Needs root (XFS loop mount, tgtd) and PostgreSQL.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/scratch_xfs.h"
#include "volume_drivers/testing/temp_dir.h"
#include "volume_host.grpc.pb.h"

namespace bb::it {
namespace {

// A port free now on 127.0.0.1: the volume daemon keeps one across its restarts, as a real
// volume host keeps its address.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// tgtd's targets whose IQN contains `id` (other helpers' and tests' targets are ignored).
std::vector<std::string> TargetsOf(const std::string& id) {
  SystemCommandRunner runner;
  auto r = RunChecked(runner, {"tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "show"});
  if (!r.ok()) return {"tgtadm failed: " + r.status().ToString()};
  std::vector<std::string> out;
  std::istringstream in(r->out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("Target ") && line.find(id) != std::string::npos) out.push_back(line);
  }
  return out;
}

// The snapshot id in a source_device "iscsi://PORTAL/iqn...:snapshot-ID/LUN".
std::string SnapshotIdOf(const std::string& source_device) {
  size_t at = source_device.find(":snapshot-");
  return at == std::string::npos ? "" : source_device.substr(at + 10, 36);
}

Result<std::string> TgtScript(const std::string& arg) {
  SystemCommandRunner runner;
  ASSIGN_OR_RETURN(CommandResult r,
                   RunChecked(runner, {"bash", std::string(BB_DEVSTACK_LIB) + "/tgt.sh", arg}));
  return r.out;
}

class RolesTest : public BackupctlTest {
 protected:
  static void SetUpTestSuite() {
    BackupctlTest::SetUpTestSuite();
    if (geteuid() != 0) return;
    auto out = TgtScript("start");
    if (out.ok()) started_tgtd_ = out->find("started") != std::string::npos;
  }
  static void TearDownTestSuite() {
    if (started_tgtd_) (void)TgtScript("stop");
    BackupctlTest::TearDownTestSuite();
  }

  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: loop-mounted XFS and tgtd";
    BackupctlTest::SetUp();  // database, project, and a role-all daemon this test does not use
    if (HasFatalFailure() || IsSkipped()) return;
    StopDaemon();
    auto xfs = bb::testing::ScratchXfs::Create(runner_, 4ll << 30);
    ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
    xfs_ = std::move(xfs).value();
    auto dir = bb::testing::TempDir::Create("bb-it-roles-");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_.emplace(std::move(dir).value());
    token_file_ = dir_->path() + "/operator-token";
    token_ = "op-" + NewUuid() + NewUuid();
    std::ofstream(token_file_) << token_ << "\n";
    volume_port_ = FreePort();
    ASSERT_GT(volume_port_, 0);
    volume_host_ = "vol-" + NewUuid().substr(0, 8);
    backup_host_ = "bak-" + NewUuid().substr(0, 8);
  }
  void TearDown() override {
    StopRole(backup_);
    StopRole(volume_);
    if (xfs_) {
      EXPECT_TRUE(xfs_->Unmount().ok());
    }
  }

  std::string VolumeAddress() const { return "127.0.0.1:" + std::to_string(volume_port_); }
  Result<std::unique_ptr<BackupdProcess>> TryStartRole(const std::string& role,
                                                       std::vector<std::string> extra) {
    BackupdOptions options;
    options.volumes_dir = xfs_->path();
    options.store_dir = dir_->path();
    options.extra_config = {"role = " + role, "operator_token_file = " + token_file_};
    if (role == "volume") {
      options.extra_config.insert(options.extra_config.end(),
                                  {"host = " + volume_host_, "listen = " + VolumeAddress(),
                                   "file_driver_target_helper = tgt"});
    } else {
      options.extra_config.insert(
          options.extra_config.end(),
          {"host = " + backup_host_, "volume_host_address = " + VolumeAddress()});
    }
    for (auto& line : extra) options.extra_config.push_back(std::move(line));
    return BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, options);
  }
  void StartRole(std::unique_ptr<BackupdProcess>& d, const std::string& role,
                 std::vector<std::string> extra = {}) {
    auto started = TryStartRole(role, std::move(extra));
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    d = std::move(started).value();
  }
  void StopRole(std::unique_ptr<BackupdProcess>& d) {
    if (!d) return;
    auto code = d->Stop(std::chrono::seconds(120));
    EXPECT_TRUE(code.ok() && *code == 0) << d->Log();
    d.reset();
  }

  // backupctl with backups on the backup daemon and volumes on the volume daemon.
  CliRun Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--volume-endpoint", VolumeAddress()});
    return RunBackupctl(backup_->endpoint(), project_, "", args, std::chrono::seconds(300));
  }
  std::string CreateVolume(const std::string& name) {
    CliRun run = Ctl({"--json", "volume", "create", "--size-gib", "1", "--name", name});
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.Json().value("id", "");
  }
  std::string VolumeStatus(const std::string& id) {
    CliRun run = Ctl({"--json", "volume", "show", id});
    return run.code == 0 ? run.Json().value("status", "") : run.Describe();
  }
  nlohmann::json ShowBackup(const std::string& id) {
    CliRun run = Ctl({"--json", "backup", "show", id});
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.code == 0 ? run.Json() : nlohmann::json::object();
  }
  std::string File(const std::string& volume_id) { return xfs_->path() + "/volume-" + volume_id; }
  std::vector<std::string> Query(const std::string& sql) {
    return QueryRows(database_->conninfo(), sql);
  }
  // Polls (10 ms) until the backup copies with some bytes done, up to 60 s.
  nlohmann::json WaitForCopy(const std::string& id) {
    nlohmann::json seen;
    for (int i = 0; i < 6000; ++i) {
      seen = ShowBackup(id);
      if (seen.value("job_phase", "") == "copy" && seen.value("bytes_done", 0) >= 8 * kMiB) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return seen;
  }
  nlohmann::json WaitWhileCreating(const std::string& id) {
    nlohmann::json seen;
    for (int i = 0; i < 3000; ++i) {
      seen = ShowBackup(id);
      if (seen.value("status", "") != "creating") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return seen;
  }
  // Nothing of the remote path is left on the volume host.
  void ExpectNothingLeft(const std::string& volume_id, const std::string& snapshot_id) {
    EXPECT_TRUE(TargetsOf(snapshot_id).empty()) << "the snapshot's target was left";
    EXPECT_TRUE(Query("SELECT id FROM snapshots WHERE is_temporary").empty());
    EXPECT_TRUE(Query("SELECT id FROM backups WHERE temp_snapshot_id IS NOT NULL").empty());
    EXPECT_FALSE(std::filesystem::exists(xfs_->path() + "/snapshot-" + snapshot_id));
    EXPECT_EQ(Query("SELECT count(*) FROM snapshots WHERE provider_auth <> ''"),
              std::vector<std::string>{"0"});
    EXPECT_EQ(VolumeStatus(volume_id), "in-use");
  }

  SystemCommandRunner runner_;
  std::unique_ptr<bb::testing::ScratchXfs> xfs_;
  std::optional<bb::testing::TempDir> dir_;
  std::string token_file_;
  std::string token_;
  int volume_port_ = 0;
  std::string volume_host_;
  std::string backup_host_;
  std::unique_ptr<BackupdProcess> volume_;
  std::unique_ptr<BackupdProcess> backup_;
  static inline bool started_tgtd_ = false;
};

TEST_F(RolesTest, ForcedBackupOnTheBackupHostReadsTheVolumeHostsExportAndRestoresExactly) {
  StartRole(volume_, "volume");
  StartRole(backup_, "backup");
  std::string id = CreateVolume("source");
  ASSERT_FALSE(id.empty());
  CliRun attached = Ctl({"volume", "attach", id, "--instance", NewUuid()});
  ASSERT_EQ(attached.code, 0) << attached.Describe();
  WritePatternToFile(File(id), 0, 40 * kMiB, 71);
  WritePatternToFile(File(id), 700 * kMiB, 8 * kMiB, 72);

  // An answer of the volume host crosses the hop with its code and message.
  CliRun missing = Ctl({"backup", "create", NewUuid(), "--force"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("error: NOT_FOUND: volume "), std::string::npos) << missing.Describe();

  CliRun run = Ctl({"--json", "backup", "create", id, "--force", "--wait"});
  ASSERT_EQ(run.code, 0) << run.Describe() << backup_->Log();
  auto backup = run.Json();
  EXPECT_EQ(backup.value("status", ""), "available") << backup_->Log();
  EXPECT_EQ(backup.value("source_kind", ""), "temp-snapshot-attached");
  EXPECT_TRUE(backup.value("source_device", "").starts_with("iscsi://127.0.0.1:3260/"))
      << backup.value("source_device", "");
  EXPECT_EQ(Query("SELECT host FROM backups WHERE id = '" + backup.value("id", "") + "'"),
            std::vector<std::string>{backup_host_});
  EXPECT_EQ(Query("SELECT host FROM volumes WHERE id = '" + id + "'"),
            std::vector<std::string>{volume_host_});
  std::string snapshot_id = SnapshotIdOf(backup.value("source_device", ""));
  ASSERT_EQ(snapshot_id.size(), 36u) << backup.value("source_device", "");
  ExpectNothingLeft(id, snapshot_id);

  CliRun restored = Ctl({"--json", "backup", "restore", backup.value("id", ""), "--wait"});
  ASSERT_EQ(restored.code, 0) << restored.Describe() << backup_->Log();
  std::string target = restored.Json().value("volume_id", "");
  ASSERT_FALSE(target.empty()) << restored.out;
  EXPECT_EQ(VolumeStatus(target), "available");
  EXPECT_EQ(Query("SELECT host FROM volumes WHERE id = '" + target + "'"),
            std::vector<std::string>{volume_host_});
  EXPECT_TRUE(TargetsOf(target).empty()) << "the restore target's export was left";
  ExpectSameFiles(File(id), File(target));
  EXPECT_EQ(Ctl({"volume", "detach", id}).code, 0);
}

// The volume daemon restarted while a backup host's backup runs leaves that backup alone (its
// snapshot and export belong to the backup host's job and recovery); the backup completes. Then
// the backup daemon is SIGKILLed mid-backup: the volume daemon's restart still leaves the dead
// backup's temporaries alone (the backup is still creating: only its own host's recovery, or a
// takeover, may decide it was interrupted); the backup daemon's restart removes the export
// and the temporary snapshot on the volume host through the internal service.
TEST_F(RolesTest, RestartsOfEitherRoleMidBackupLeaveNothingBehind) {
  StartRole(volume_, "volume");
  // Each 1 MiB chunk waits 20 ms: a 64 MiB copy lasts more than a second.
  StartRole(backup_, "backup", {"failpoints = create.mid_upload=delay:20"});
  std::string id = CreateVolume("restarts");
  ASSERT_EQ(Ctl({"volume", "attach", id, "--instance", NewUuid()}).code, 0);
  WritePatternToFile(File(id), 0, 64 * kMiB, 81);

  CliRun started = Ctl({"--json", "backup", "create", id, "--force"});
  ASSERT_EQ(started.code, 0) << started.Describe();
  std::string backup_id = started.Json().value("id", "");
  auto seen = WaitForCopy(backup_id);
  ASSERT_EQ(seen.value("job_phase", ""), "copy") << backup_->Log();
  std::string snap = SnapshotIdOf(seen.value("source_device", ""));
  ASSERT_EQ(snap.size(), 36u) << seen.dump();
  StopRole(volume_);
  StartRole(volume_, "volume");
  EXPECT_EQ(TargetsOf(snap).size(), 1u) << "the volume host's restart removed a live export";
  auto done = WaitWhileCreating(backup_id);
  EXPECT_EQ(done.value("status", ""), "available") << done.dump() << backup_->Log();
  ExpectNothingLeft(id, snap);

  // Now a crash of the backup host mid-read.
  CliRun again = Ctl({"--json", "backup", "create", id, "--force"});
  ASSERT_EQ(again.code, 0) << again.Describe();
  backup_id = again.Json().value("id", "");
  seen = WaitForCopy(backup_id);
  ASSERT_EQ(seen.value("job_phase", ""), "copy") << backup_->Log();
  snap = SnapshotIdOf(seen.value("source_device", ""));
  ASSERT_EQ(snap.size(), 36u) << seen.dump();
  std::vector<std::string> auth =
      Query("SELECT provider_auth FROM snapshots WHERE id = '" + snap + "'");
  ASSERT_EQ(auth.size(), 1u);
  std::string secret = auth[0].substr(auth[0].rfind(' ') + 1);
  ASSERT_GE(secret.size(), 12u) << "no CHAP secret on the exported snapshot's row";
  backup_->Kill();
  std::string backup_log = backup_->Log();
  backup_.reset();
  StopRole(volume_);
  StartRole(volume_, "volume");
  EXPECT_EQ(TargetsOf(snap).size(), 1u) << "the volume host cleaned up a backup host's export";
  EXPECT_EQ(Query("SELECT status FROM snapshots WHERE id = '" + snap + "'"),
            std::vector<std::string>{"backing-up"});

  StartRole(backup_, "backup");
  EXPECT_EQ(ShowBackup(backup_id).value("status", ""), "error");
  ExpectNothingLeft(id, snap);
  // The CHAP secret crossed the hop but reached neither daemon's log.
  EXPECT_EQ(backup_log.find(secret), std::string::npos) << "secret in the backup host's log";
  EXPECT_EQ(backup_->Log().find(secret), std::string::npos) << "secret in the backup host's log";
  EXPECT_EQ(volume_->Log().find(secret), std::string::npos) << "secret in the volume host's log";
  EXPECT_EQ(Ctl({"volume", "detach", id}).code, 0);
}

TEST_F(RolesTest, InternalServiceAnswersOnlyTheOperatorToken) {
  StartRole(volume_, "volume");
  auto stub = v1::internal::VolumeHostService::NewStub(
      grpc::CreateChannel(VolumeAddress(), grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& token) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("x-operator-token", token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::internal::HostCapabilities caps;
    grpc::Status s = stub->GetCapabilities(&context, v1::internal::CapabilitiesRequest(), &caps);
    return std::make_pair(s, caps);
  };
  auto [none, none_caps] = call("");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::PERMISSION_DENIED) << none.error_message();
  auto [wrong, wrong_caps] = call("op-" + NewUuid() + NewUuid());
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::PERMISSION_DENIED) << wrong.error_message();
  auto [right, caps] = call(token_);
  EXPECT_TRUE(right.ok()) << right.error_message();
  EXPECT_TRUE(caps.snapshot_attachable());
  // An export without the token is refused before anything happens.
  grpc::ClientContext context;
  v1::internal::ExportRequest request;
  request.set_id(NewUuid());
  v1::internal::HostConnectionInfo info;
  grpc::Status s = stub->ExportSnapshot(&context, request, &info);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
}

TEST_F(RolesTest, RoleBackupRefusesLocalAttachAtStart) {
  auto started = TryStartRole("backup", {"backup_attach = local"});
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("backup_attach = local cannot work with role = backup"),
            std::string::npos)
      << started.status().ToString();
}

}  // namespace
}  // namespace bb::it
