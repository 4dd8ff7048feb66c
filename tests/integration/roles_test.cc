// Roles end to end (README "Roles"): two real backupd processes on one PostgreSQL, a role volume
// daemon (file driver on a reflink XFS, exports through tgtd: file_driver_target_helper = tgt)
// and a role backup daemon (object store, connectors) that reaches it over the internal
// VolumeHostService, driven with the real backupctl (--endpoint the backup daemon,
// --volume-endpoint the volume daemon). A forced backup of an in-use volume is read remotely
// (temporary snapshot exported by the volume host, read with libiscsi by the backup host) and
// restores bit-exact; the volume daemon restarted mid-backup leaves the running backup alone;
// the backup daemon SIGKILLed mid-backup cleans up the volume host's snapshot and target at its
// restart, also when the volume host is down at first (it waits for it). The internal service
// refuses calls without the operator token, and role backup with backup_attach = local does not
// start. Needs root (XFS loop mount, tgtd) and PostgreSQL (fixture: roles_fixture.h).
#include <grpcpp/grpcpp.h>

#include <tuple>

#include "tests/integration/roles_fixture.h"
#include "volume_host.grpc.pb.h"

namespace bb::it {
namespace {

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

  auto [backup_id, snap] = StartForcedBackupInCopy(id);
  ASSERT_EQ(snap.size(), 36u);
  StopRole(volume_);
  StartRole(volume_, "volume");
  EXPECT_EQ(TargetsOf(snap).size(), 1u) << "the volume host's restart removed a live export";
  auto done = WaitWhileCreating(backup_id);
  EXPECT_EQ(done.value("status", ""), "available") << done.dump() << backup_->Log();
  ExpectNothingLeft(id, snap);

  // Now a crash of the backup host mid-read.
  std::tie(backup_id, snap) = StartForcedBackupInCopy(id);
  ASSERT_EQ(snap.size(), 36u);
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

// A backup host restarted while its volume host is down waits for it, saying so, and does not
// mark anything cleaned meanwhile: the crashed backup stays creating and its export and
// snapshot stay until the volume host answers; then the cleanup runs through it.
TEST_F(RolesTest, BackupHostWaitsForAnUnreachableVolumeHostBeforeItsCleanup) {
  StartRole(volume_, "volume");
  StartRole(backup_, "backup", {"failpoints = create.mid_upload=delay:20"});
  std::string id = CreateVolume("unreachable");
  ASSERT_EQ(Ctl({"volume", "attach", id, "--instance", NewUuid()}).code, 0);
  WritePatternToFile(File(id), 0, 64 * kMiB, 91);
  auto [backup_id, snap] = StartForcedBackupInCopy(id);
  ASSERT_EQ(snap.size(), 36u);
  const std::string pid_sql = "SELECT pid FROM services WHERE host = '" + backup_host_ + "'";
  std::vector<std::string> old_pid = Query(pid_sql);
  backup_->Kill();
  backup_.reset();
  StopRole(volume_);

  // The backup daemon starts (its port file comes only once the volume host answered).
  Result<std::unique_ptr<BackupdProcess>> restarted = Status::Internal("not started");
  std::thread starter([&] { restarted = TryStartRole("backup", {}); });
  for (int i = 0; i < 600 && Query(pid_sql) == old_pid; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(Query(pid_sql), old_pid) << "the backup daemon did not claim its host";
  EXPECT_EQ(Query("SELECT status FROM backups WHERE id = '" + backup_id + "'"),
            std::vector<std::string>{"creating"});
  EXPECT_EQ(TargetsOf(snap).size(), 1u);
  EXPECT_EQ(Query("SELECT status FROM snapshots WHERE id = '" + snap + "'"),
            std::vector<std::string>{"backing-up"});

  StartRole(volume_, "volume");
  starter.join();
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  backup_ = std::move(restarted).value();
  EXPECT_NE(backup_->Log().find("volume host " + VolumeAddress() + " cannot be reached"),
            std::string::npos)
      << backup_->Log();
  EXPECT_EQ(ShowBackup(backup_id).value("status", ""), "error");
  ExpectNothingLeft(id, snap);
  EXPECT_EQ(Ctl({"volume", "detach", id}).code, 0);
}

}  // namespace
}  // namespace bb::it
