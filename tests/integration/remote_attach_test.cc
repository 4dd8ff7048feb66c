// The remote-attach backup path end to end, with the real backupd and backupctl (root: a reflink
// XFS loop mount and tgtd): the file driver exports over iSCSI (file_driver_target_helper = tgt)
// and backup_attach = remote makes a forced backup of an in-use volume take a temporary
// snapshot, export it through tgtd (generated CHAP, this host's initiator and address as the
// ACL), log in with libiscsi, read it over TCP, log out, remove the export and delete the
// snapshot; the restore is bit-exact. The export's CHAP secret appears in no log line and no API
// answer. A target removed mid-read fails the backup cleanly with everything undone, and a
// SIGKILL mid-read leaves nothing after the restart. A given snapshot is read through its
// export, and a driver without snapshots (file_driver_snapshots = false) backs up through an
// exported temporary clone. Last, one 1 GiB volume full of data is
// backed up through libiscsi and through its local path, and both rates are printed (not
// asserted: the machine is shared).
// tgtd is started through devstack/lib/tgt.sh when none runs (and stopped at the end only then).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/backupctl_xfs_fixture.h"
#include "volume_drivers/targets/tgt_target.h"

namespace bb::it {
namespace {

constexpr const char* kIqnPrefix = "iqn.2010-10.org.blockbackup:snapshot-";
constexpr const char* kVolumeIqnPrefix = "iqn.2010-10.org.blockbackup:volume-";

Result<std::string> TgtScript(const std::string& arg) {
  SystemCommandRunner runner;
  ASSIGN_OR_RETURN(CommandResult r,
                   RunChecked(runner, {"bash", std::string(BB_DEVSTACK_LIB) + "/tgt.sh", arg}));
  return r.out;
}

// IQNs of the targets tgtd serves now for snapshots (or volumes) of this daemon's driver.
std::vector<std::string> SnapshotTargets(const char* prefix = kIqnPrefix) {
  SystemCommandRunner runner;
  auto r = RunChecked(runner, {"tgtadm", "--lld", "iscsi", "--mode", "target", "--op", "show"});
  std::vector<std::string> out;
  if (!r.ok()) return {"tgtadm failed: " + r.status().ToString()};
  std::istringstream in(r->out);
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(prefix);
    if (line.starts_with("Target ") && at != std::string::npos) out.push_back(line.substr(at));
  }
  return out;
}

class RemoteAttachTest : public BackupctlOnXfsTest {
 protected:
  RemoteAttachTest()
      : BackupctlOnXfsTest({"file_driver_target_helper = tgt", "backup_attach = remote"}) {}

  static void SetUpTestSuite() {
    BackupctlOnXfsTest::SetUpTestSuite();  // the test database
    if (geteuid() != 0) return;
    auto out = TgtScript("start");
    if (out.ok()) started_tgtd_ = out->find("started") != std::string::npos;
  }
  static void TearDownTestSuite() {
    if (started_tgtd_) (void)TgtScript("stop");
    BackupctlOnXfsTest::TearDownTestSuite();
  }

  std::set<std::string> VolumeFiles() {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(xfs_->path())) {
      names.insert(e.path().filename());
    }
    return names;
  }
  std::vector<std::string> Query(const std::string& sql) {
    return QueryRows(database_->conninfo(), sql);
  }
  v1::Backup Get(const std::string& id) {
    v1::GetBackupRequest get;
    get.set_backup_id(id);
    v1::Backup b;
    grpc::Status s = backups_->GetBackup(Ctx().get(), get, &b);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return b;
  }
  // Polls until the backup copies (job phase copy, some bytes done), up to 60 s.
  v1::Backup WaitForCopy(const std::string& id) {
    v1::Backup seen;
    for (int i = 0; i < 6000 && !(seen.job_phase() == "copy" && seen.bytes_done() >= 8 * kMiB);
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      seen = Get(id);
    }
    return seen;
  }
  std::string StartForcedBackup(const std::string& volume_id) {
    CliRun started = Cli({"--json", "backup", "create", volume_id, "--force"});
    EXPECT_EQ(started.code, 0) << started.Describe();
    return started.Json().value("id", "");
  }
  // Nothing of the remote path is left: no target, no temporary snapshot row or file.
  void ExpectNothingLeft(const std::string& volume_id) {
    EXPECT_TRUE(SnapshotTargets().empty()) << "a snapshot target was left";
    EXPECT_TRUE(Query("SELECT id FROM snapshots WHERE is_temporary").empty())
        << "a temporary snapshot row was left";
    EXPECT_TRUE(Query("SELECT id FROM backups WHERE temp_snapshot_id IS NOT NULL").empty());
    for (const auto& f : VolumeFiles()) {
      EXPECT_FALSE(f.starts_with("snapshot-")) << f << " was left";
      EXPECT_FALSE(f.starts_with(".tmp-")) << f << " was left";
    }
    EXPECT_EQ(GetVolume(volume_id).status(), "in-use");
  }

  static inline bool started_tgtd_ = false;
};

TEST_F(RemoteAttachTest, ForcedBackupReadsTheExportedSnapshotOverIscsi) {
  // Each chunk waits 5 ms: the copy lasts long enough to be watched mid-way.
  options_.extra_config.push_back("failpoints = create.mid_upload=delay:5");
  StopDaemon();
  StartDaemon(options_);
  v1::Volume volume = CreateVolume(1, "remote-source");
  WritePattern(volume.id(), 0, 48 * kMiB, 11);
  WritePattern(volume.id(), 900 * kMiB, 16 * kMiB, 12);
  v1::Volume expected = CreateVolume(1, "expected");
  WritePattern(expected.id(), 0, 48 * kMiB, 11);
  WritePattern(expected.id(), 900 * kMiB, 16 * kMiB, 12);
  CliRun attached = Cli({"volume", "attach", volume.id(), "--instance", NewUuid()});
  ASSERT_EQ(attached.code, 0) << attached.Describe();

  std::string id = StartForcedBackup(volume.id());
  ASSERT_FALSE(id.empty());
  v1::Backup seen = WaitForCopy(id);
  ASSERT_EQ(seen.job_phase(), "copy") << daemon_->Log();
  EXPECT_EQ(seen.source_kind(), "temp-snapshot-attached");
  EXPECT_NE(seen.source_reason().find("backup_attach = remote"), std::string::npos)
      << seen.source_reason();
  EXPECT_TRUE(seen.source_device().starts_with("iscsi://127.0.0.1:3260/" + std::string(kIqnPrefix)))
      << seen.source_device();
  // The export exists while the copy runs, and its credentials are on the snapshot's row.
  std::vector<std::string> rows =
      Query("SELECT id || ' ' || status || ' ' || provider_auth FROM snapshots");
  ASSERT_EQ(rows.size(), 1u);
  std::istringstream row(rows[0]);
  std::string snap_id, snap_status, chap, user, secret;
  row >> snap_id >> snap_status >> chap >> user >> secret;
  EXPECT_EQ(snap_status, "backing-up");
  EXPECT_EQ(chap, "CHAP");
  ASSERT_GE(secret.size(), 12u) << rows[0];
  EXPECT_EQ(SnapshotTargets(), std::vector<std::string>{kIqnPrefix + snap_id});
  EXPECT_EQ(GetVolume(volume.id()).status(), "in-use") << "released once the snapshot existed";
  WritePattern(volume.id(), 0, 48 * kMiB, 13);  // after the snapshot: must not reach the backup

  v1::Backup done = WaitWhile(id, "creating");
  ASSERT_EQ(done.status(), "available") << done.fail_reason() << "\n" << daemon_->Log();
  EXPECT_EQ(done.source_kind(), "temp-snapshot-attached");
  ExpectNothingLeft(volume.id());

  // The secret is in no log line and no API answer.
  CliRun shown = Cli({"--json", "backup", "show", id});
  CliRun snaps = Cli({"--json", "snapshot", "list", "--all-projects"}, As::kOperator);
  for (const std::string& text : {shown.out, snaps.out, seen.source_device()}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "the CHAP secret leaked: " << text;
  }
  EXPECT_EQ(daemon_->Log().find(secret), std::string::npos) << "the CHAP secret is in the log";

  // The restore writes through the new volume's export (backup_attach = remote), zero chunks
  // as zeros, and removes the export before the volume becomes available.
  v1::Volume restored = RestoreAndWait(id, "");
  ASSERT_EQ(restored.status(), "available");
  EXPECT_NE(daemon_->Log().find("(iscsi://127.0.0.1:3260/" + std::string(kVolumeIqnPrefix) +
                                restored.id()),
            std::string::npos)
      << "the restore did not write through the volume's export\n"
      << daemon_->Log();
  EXPECT_TRUE(SnapshotTargets(kVolumeIqnPrefix).empty()) << "a volume target was left";
  EXPECT_EQ(Query("SELECT count(*) FROM volumes WHERE provider_auth <> ''"),
            std::vector<std::string>{"0"});
  ExpectSameContent(restored.id(), expected.id());
  EXPECT_EQ(Cli({"volume", "detach", volume.id()}).code, 0);
}

// A given snapshot is read through its export too; it is available again afterwards, with no
// export and no credentials on its row.
TEST_F(RemoteAttachTest, GivenSnapshotIsReadThroughItsExport) {
  v1::Volume volume = CreateVolume(1, "snapshot-source");
  WritePattern(volume.id(), 0, 32 * kMiB, 51);
  CliRun snap = Cli({"--json", "snapshot", "create", volume.id(), "--name", "s"});
  ASSERT_EQ(snap.code, 0) << snap.Describe();
  std::string snap_id = snap.Json().value("id", "");
  WritePattern(volume.id(), 0, 32 * kMiB, 52);  // after the snapshot
  CliRun run = Cli({"--json", "backup", "create", volume.id(), "--snapshot", snap_id, "--wait"});
  ASSERT_EQ(run.code, 0) << run.Describe();
  auto backup = run.Json();
  EXPECT_EQ(backup.value("status", ""), "available") << run.Describe();
  EXPECT_EQ(backup.value("source_kind", ""), "snapshot-attached");
  EXPECT_TRUE(SnapshotTargets().empty()) << "the snapshot's target was left";
  EXPECT_EQ(
      Query("SELECT status || '|' || provider_auth FROM snapshots WHERE id = '" + snap_id + "'"),
      std::vector<std::string>{"available|"});
  v1::Volume restored = RestoreAndWait(backup.value("id", ""), "");
  ASSERT_EQ(restored.status(), "available");
  v1::Volume expected = CreateVolume(1, "expected");
  WritePattern(expected.id(), 0, 32 * kMiB, 51);
  ExpectSameContent(restored.id(), expected.id());
}

TEST_F(RemoteAttachTest, TargetRemovedMidReadFailsCleanlyWithEverythingUndone) {
  options_.extra_config.push_back("failpoints = create.mid_upload=delay:20");
  StopDaemon();
  StartDaemon(options_);
  v1::Volume volume = CreateVolume(1, "vanishing-target");
  WritePattern(volume.id(), 0, 256 * kMiB, 21);
  ASSERT_EQ(Cli({"volume", "attach", volume.id(), "--instance", NewUuid()}).code, 0);
  std::string id = StartForcedBackup(volume.id());
  ASSERT_FALSE(id.empty());
  v1::Backup seen = WaitForCopy(id);
  ASSERT_EQ(seen.job_phase(), "copy") << daemon_->Log();
  std::vector<std::string> targets = SnapshotTargets();
  ASSERT_EQ(targets.size(), 1u);
  // The volume host loses the export (an operator, a tgtd restart): the session is closed.
  SystemCommandRunner runner;
  TgtTarget tgt(runner);
  ASSERT_TRUE(tgt.RemoveExport(targets[0]).ok());

  v1::Backup done = WaitWhile(id, "creating");
  EXPECT_EQ(done.status(), "error") << daemon_->Log();
  EXPECT_NE(done.fail_reason().find("iscsi"), std::string::npos) << done.fail_reason();
  ExpectNothingLeft(volume.id());
  EXPECT_EQ(Cli({"volume", "detach", volume.id()}).code, 0);
}

TEST_F(RemoteAttachTest, KillMidReadThenRestartLeavesNoTargetAndNoSnapshot) {
  options_.extra_config.push_back("failpoints = create.mid_upload=kill@4");
  StopDaemon();
  StartDaemon(options_);
  v1::Volume volume = CreateVolume(1, "killed-mid-read");
  WritePattern(volume.id(), 0, 64 * kMiB, 31);
  ASSERT_EQ(Cli({"volume", "attach", volume.id(), "--instance", NewUuid()}).code, 0);
  std::string id = StartForcedBackup(volume.id());
  ASSERT_FALSE(id.empty());
  auto exit = daemon_->WaitForExit(std::chrono::seconds(60));
  ASSERT_TRUE(exit.ok()) << "backupd did not kill itself mid-read: " << exit.status().ToString();
  EXPECT_EQ(SnapshotTargets().size(), 1u) << "the crash should leave the export behind";
  // Restart without the failpoint: restart cleanup removes the export and the snapshot.
  options_.extra_config.pop_back();
  StartDaemon(options_);
  EXPECT_EQ(GetBackupStatus(id), "error");
  ExpectNothingLeft(volume.id());
  EXPECT_EQ(Cli({"volume", "detach", volume.id()}).code, 0);
}

// Figures for the README (printed, not asserted): one 1 GiB volume full of data, backed up
// through libiscsi (backup_attach = remote) and through its local path (auto), each into a
// container of its own so neither finds the other's chunks.
TEST_F(RemoteAttachTest, PrintsBackupRateThroughLibiscsiAndLocalPath) {
  v1::Volume volume = CreateVolume(1, "rate");
  WritePattern(volume.id(), 0, 1024 * kMiB, 41);
  auto backup = [&](const std::string& container) {
    CliRun run =
        Cli({"--json", "backup", "create", volume.id(), "--container", container, "--wait"});
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.Json();
  };
  auto remote = backup("rate-remote");
  options_.extra_config = {"file_driver_target_helper = tgt", "backup_attach = auto"};
  StopDaemon();
  StartDaemon(options_);
  auto local = backup("rate-local");
  EXPECT_EQ(remote.value("source_kind", ""), "temp-snapshot-attached");
  EXPECT_EQ(local.value("source_kind", ""), "temp-snapshot-local");
  std::printf("backup of 1 GiB of data: %.1f MB/s through libiscsi (%s), %.1f MB/s local (%s)\n",
              remote.value("mb_per_s", 0.0), remote.value("source_device", "").c_str(),
              local.value("mb_per_s", 0.0), local.value("source_device", "").c_str());
  RecordProperty("mb_per_s_libiscsi", std::to_string(remote.value("mb_per_s", 0.0)));
  RecordProperty("mb_per_s_local", std::to_string(local.value("mb_per_s", 0.0)));
}

// The temporary-clone fallback through an export: a file driver declaring no snapshots
// (file_driver_snapshots = false) that exports volumes, with backup_attach = remote, backs up an
// in-use volume from a temporary reflink clone exported through tgtd and read with libiscsi.
class RemoteAttachCloneTest : public RemoteAttachTest {
 protected:
  RemoteAttachCloneTest() { options_.extra_config.push_back("file_driver_snapshots = false"); }
};

TEST_F(RemoteAttachCloneTest, ForcedBackupReadsTheExportedTemporaryClone) {
  v1::Volume volume = CreateVolume(1, "clone-source");
  WritePattern(volume.id(), 0, 32 * kMiB, 61);
  WritePattern(volume.id(), 600 * kMiB, 8 * kMiB, 62);
  ASSERT_EQ(Cli({"volume", "attach", volume.id(), "--instance", NewUuid()}).code, 0);
  CliRun run = Cli({"--json", "backup", "create", volume.id(), "--force", "--wait"});
  ASSERT_EQ(run.code, 0) << run.Describe();
  auto backup = run.Json();
  EXPECT_EQ(backup.value("status", ""), "available") << run.Describe() << daemon_->Log();
  EXPECT_EQ(backup.value("source_kind", ""), "temp-clone-attached");
  EXPECT_TRUE(backup.value("source_device", "")
                  .starts_with("iscsi://127.0.0.1:3260/" + std::string(kVolumeIqnPrefix)))
      << backup.value("source_device", "");
  EXPECT_TRUE(SnapshotTargets(kVolumeIqnPrefix).empty()) << "the clone's target was left";
  EXPECT_TRUE(Query("SELECT id FROM volumes WHERE is_temporary").empty());
  EXPECT_EQ(VolumeFiles(), (std::set<std::string>{"volume-" + volume.id()}));
  EXPECT_EQ(GetVolume(volume.id()).status(), "in-use");
  v1::Volume restored = RestoreAndWait(backup.value("id", ""), "");
  ASSERT_EQ(restored.status(), "available");
  ExpectSameContent(restored.id(), volume.id());
  EXPECT_EQ(Cli({"volume", "detach", volume.id()}).code, 0);
}

}  // namespace
}  // namespace bb::it
