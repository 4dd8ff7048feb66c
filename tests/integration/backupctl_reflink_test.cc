// backupctl against a daemon whose volumes live on a reflink-capable XFS (needs root: a loop
// mount), where the file driver makes real snapshots: backups of a given snapshot, the
// operator's reset of a backup that a crash (SIGKILL) left creating with its temporary snapshot,
// and the cancel (force delete) of a backup reading its temporary snapshot, also with a crash
// in the middle of it (more cancellation tests, without reflink: backupctl_jobs_test.cc).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "tests/integration/backupctl_xfs_fixture.h"

namespace bb::it {
namespace {

class BackupctlReflinkTest : public BackupctlOnXfsTest {
 protected:
  std::string CreateSnapshot(const std::string& volume_id) {
    CliRun run = Cli({"--json", "snapshot", "create", volume_id, "--name", "s"});
    EXPECT_EQ(run.code, 0) << run.Describe();
    return run.Json().value("id", "");
  }

  std::vector<std::string> SnapshotFiles() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(xfs_->path())) {
      std::string name = e.path().filename();
      if (name.rfind("snapshot-", 0) == 0) out.push_back(name);
    }
    return out;
  }

  // Restarts the daemon with a failpoint spec, starts a backup of `volume_id` and waits until
  // it copies from its temporary snapshot; returns the backup's id.
  std::string StartBackupCopyingFromTemporarySnapshot(const std::string& failpoints,
                                                      const std::string& volume_id) {
    options_.extra_config = {"failpoints = " + failpoints};
    StopDaemon();
    StartDaemon(options_);
    CliRun started = Cli({"--json", "backup", "create", volume_id});
    EXPECT_EQ(started.code, 0) << started.Describe();
    std::string id = started.Json().value("id", "");
    v1::Backup seen;
    // Until something is stored (v2 writes its first pack once 32 MiB are packed).
    for (int i = 0; i < 6000 && !(seen.job_phase() == "copy" && seen.bytes_done() >= 8 * kMiB &&
                                  ChunkFiles() > 0);
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      v1::GetBackupRequest get;
      get.set_backup_id(id);
      EXPECT_TRUE(backups_->GetBackup(Ctx().get(), get, &seen).ok());
    }
    EXPECT_EQ(seen.job_phase(), "copy") << daemon_->Log();
    EXPECT_EQ(seen.source_kind(), "temp-snapshot-local");
    EXPECT_EQ(SnapshotFiles().size(), 1u);
    EXPECT_GT(ChunkFiles(), 0);
    return id;
  }

  int ChunkFiles() {
    int n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(store_->path())) {
      const std::string path = e.path().string();  // v1 chunks or v2 packs
      if (e.is_regular_file() && (path.find("/chunks/") != std::string::npos ||
                                  path.find("/packs/") != std::string::npos)) {
        ++n;
      }
    }
    return n;
  }

  bool Gone(const std::string& backup_id) {
    v1::GetBackupRequest get;
    get.set_backup_id(backup_id);
    v1::Backup b;
    return backups_->GetBackup(Ctx().get(), get, &b).error_code() == grpc::StatusCode::NOT_FOUND;
  }
};

TEST_F(BackupctlReflinkTest, BackupOfAGivenSnapshotRestoresItsPointInTime) {
  v1::Volume volume = CreateVolume(1, "snap-source");
  WritePattern(volume.id(), 0, 8 * kMiB, 1);
  std::string snapshot_id = CreateSnapshot(volume.id());
  ASSERT_FALSE(snapshot_id.empty());
  WritePattern(volume.id(), 0, 8 * kMiB, 2);  // the volume moves on after the snapshot

  CliRun created = Cli({"--json", "backup", "create", volume.id(), "--snapshot", snapshot_id,
                        "--name", "from-snapshot", "--wait"});
  ASSERT_EQ(created.code, 0) << created.Describe();
  auto backup = created.Json();
  EXPECT_EQ(backup["status"], "available");
  EXPECT_EQ(backup["snapshot_id"], snapshot_id);
  EXPECT_EQ(backup["source_kind"], "snapshot-local");
  EXPECT_EQ(backup["source_device"], xfs_->path() + "/snapshot-" + snapshot_id);
  CliRun snap = Cli({"--json", "snapshot", "show", snapshot_id});
  EXPECT_EQ(snap.Json()["status"], "available");  // backing-up and back
  // The data is the snapshot's: the backup says it represents the snapshot's instant.
  EXPECT_EQ(backup["data_timestamp_us"], snap.Json()["created_at_us"]);
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");

  v1::Volume restored = RestoreAndWait(backup["id"].get<std::string>(), "");
  ASSERT_EQ(restored.status(), "available");
  ExpectSameFiles(VolumeFile(restored.id()), xfs_->path() + "/snapshot-" + snapshot_id);
}

TEST_F(BackupctlReflinkTest, SnapshotBackupRefusals) {
  v1::Volume volume = CreateVolume(1, "snap-a");
  v1::Volume other = CreateVolume(1, "snap-b");
  std::string snapshot_id = CreateSnapshot(volume.id());
  ASSERT_FALSE(snapshot_id.empty());
  ExpectRefused(Cli({"backup", "create", other.id(), "--snapshot", snapshot_id}),
                "INVALID_ARGUMENT", "belongs to volume " + volume.id());
  ExpectRefused(Cli({"backup", "create", volume.id(), "--snapshot", "x-1"}), "INVALID_ARGUMENT",
                "snapshot_id");
  ExpectRefused(Cli({"backup", "create", volume.id(), "--snapshot", NewUuid()}), "NOT_FOUND",
                "not found");
  CliRun list = Cli({"--json", "backup", "list"});
  EXPECT_EQ(list.out.find("\"id\""), std::string::npos) << "a refused request made a backup";
  CliRun snap = Cli({"--json", "snapshot", "show", snapshot_id});
  EXPECT_EQ(snap.Json()["status"], "available");
}

TEST_F(BackupctlReflinkTest, RestartCleansUpWhatACrashedBackupLeft) {
  v1::Volume volume = CreateVolume(1, "crashed");
  WritePattern(volume.id(), 0, 768 * kMiB, 3);  // long enough a copy to be killed during it
  CliRun started = Cli({"--json", "backup", "create", volume.id()});
  ASSERT_EQ(started.code, 0) << started.Describe();
  std::string id = started.Json()["id"];
  // Wait until the temporary snapshot exists and the copy reads it, then crash the daemon.
  v1::Backup seen;
  for (int i = 0; i < 600 && seen.source_device().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    v1::GetBackupRequest get;
    get.set_backup_id(id);
    ASSERT_TRUE(backups_->GetBackup(Ctx().get(), get, &seen).ok());
  }
  ASSERT_EQ(seen.source_kind(), "temp-snapshot-local");
  KillDaemon();
  ASSERT_EQ(SnapshotFiles().size(), 1u);  // the temporary snapshot the crash left
  StartDaemon(options_);                  // restart cleanup runs before the daemon serves
  v1::GetBackupRequest get;
  get.set_backup_id(id);
  v1::Backup after;
  ASSERT_TRUE(backups_->GetBackup(Ctx().get(), get, &after).ok());
  EXPECT_EQ(after.status(), "error");
  EXPECT_NE(after.fail_reason().find("incomplete backup"), std::string::npos)
      << after.fail_reason();
  EXPECT_TRUE(SnapshotFiles().empty()) << "restart cleanup left the temporary snapshot";
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");
  // Nothing can make it available: it has no manifest.
  ExpectRefused(Cli({"backup", "reset-status", id, "--status", "available"}, As::kOperator),
                "FAILED_PRECONDITION", "has no manifest");
  CliRun deleted = Cli({"backup", "delete", id, "--wait"});
  EXPECT_EQ(deleted.code, 0) << deleted.Describe();
}

TEST_F(BackupctlReflinkTest, ForceDeleteOfABackupReadingATemporarySnapshotRemovesIt) {
  v1::Volume volume = CreateVolume(1, "cancel-snap");
  WritePattern(volume.id(), 0, 64 * kMiB, 4);
  std::string id =
      StartBackupCopyingFromTemporarySnapshot("create.mid_upload=delay:100", volume.id());
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");  // released once the snapshot exists
  auto t0 = std::chrono::steady_clock::now();
  CliRun deleted = Cli({"backup", "delete", "--force", id}, As::kOperator);
  ASSERT_EQ(deleted.code, 0) << deleted.Describe();
  for (int i = 0; i < 6000 && !Gone(id); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double latency = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ measure  ] force delete -> backup gone (temporary snapshot): " << latency
            << " s\n";
  RecordProperty("stop_latency_ms", static_cast<int>(latency * 1000));
  ASSERT_TRUE(Gone(id)) << daemon_->Log();
  EXPECT_LT(latency, 1.0);
  EXPECT_TRUE(SnapshotFiles().empty()) << "the temporary snapshot was left";
  EXPECT_EQ(ChunkFiles(), 0) << "chunks of the cancelled backup were left";
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");
}

TEST_F(BackupctlReflinkTest, CrashDuringACancelLeavesNothingAfterRestart) {
  v1::Volume volume = CreateVolume(1, "cancel-crash-snap");
  WritePattern(volume.id(), 0, 64 * kMiB, 6);
  std::string id = StartBackupCopyingFromTemporarySnapshot(
      "create.mid_upload=delay:100,cancel.after_job_stopped=kill", volume.id());
  CliRun deleted = Cli({"backup", "delete", "--force", id}, As::kOperator);
  ASSERT_EQ(deleted.code, 0) << deleted.Describe();
  // The job sees the cancel and dies: the backup deleting still records its temporary snapshot.
  bool dead = false;
  for (int i = 0; i < 3000 && !dead; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    dead = GetBackupStatus(id).rfind("error ", 0) == 0;
  }
  ASSERT_TRUE(dead) << daemon_->Log();
  KillDaemon();
  ASSERT_EQ(SnapshotFiles().size(), 1u);
  options_.extra_config.clear();
  StartDaemon(options_);  // restart cleanup resumes the delete
  for (int i = 0; i < 3000 && !Gone(id); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(Gone(id)) << GetBackupStatus(id);
  EXPECT_TRUE(SnapshotFiles().empty()) << "restart left the temporary snapshot";
  EXPECT_EQ(ChunkFiles(), 0);
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");
}

}  // namespace
}  // namespace bb::it
