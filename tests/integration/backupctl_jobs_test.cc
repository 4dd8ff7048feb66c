// Running jobs, through backupctl against the real backupd: cancellation and the limit.
//   - a force delete of a creating backup stops its job within a second (this daemon's job: the
//     in-process flag; another daemon's job: its once-a-second status poll), gives the volume
//     back, removes the chunks it stored, and the backup ends deleted;
//   - a kill of the daemon after the job saw the cancel is cleaned up by restart recovery;
//   - restore-cancel stops a restore within a second: backup available, target volume error;
//   - with backup_max_operations = 1 a second backup waits visibly in the queue.
// Jobs are kept running by delay failpoints (create.mid_upload, restore.mid_write: each chunk
// waits), so the measured latencies are upper bounds that include a chunk's delay and, for the
// CLI, starting backupctl. Volumes live on the harness's ext4 directory: the file driver reads an
// available volume directly, so the volume stays backing-up during the whole copy.
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

class BackupctlJobsTest : public BackupctlTest {
 protected:
  // Restarts the daemon with these config lines, on directories the test owns (so that a
  // restart after a kill finds the same volumes and store).
  void Restart(std::vector<std::string> extra_config) {
    if (!volumes_dir_) {
      auto v = bb::testing::TempDir::Create("bb-it-volumes-");
      auto s = bb::testing::TempDir::Create("bb-it-store-");
      ASSERT_TRUE(v.ok() && s.ok());
      volumes_dir_.emplace(std::move(v).value());
      store_dir_.emplace(std::move(s).value());
    }
    options_.volumes_dir = volumes_dir_->path();
    options_.store_dir = store_dir_->path();
    options_.extra_config = std::move(extra_config);
    StopDaemon();
    StartDaemon(options_);
  }

  v1::Backup Get(const std::string& id, grpc::Status* status = nullptr) {
    v1::GetBackupRequest request;
    request.set_backup_id(id);
    v1::Backup backup;
    grpc::Status s = backups_->GetBackup(Ctx().get(), request, &backup);
    if (status != nullptr) *status = s;
    return backup;
  }

  // Polls every 5 ms until `done` holds; false after `limit`.
  bool PollUntil(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done();
  }

  // Starts a backup (CLI) and waits until its job copies and has stored some chunks.
  std::string StartCopyingBackup(const std::string& volume_id) {
    CliRun started = Cli({"--json", "backup", "create", volume_id});
    EXPECT_EQ(started.code, 0) << started.Describe();
    std::string id = started.Json().value("id", "");
    EXPECT_TRUE(PollUntil([&] {
      v1::Backup b = Get(id);
      // Format v2 stores in 32 MiB packs: wait for the first one to be written.
      return b.job_phase() == "copy" && b.bytes_done() >= 8 * kMiB && StoredData() > 0;
    })) << "the backup never copied; log:\n"
        << daemon_->Log();
    return id;
  }

  // Files under the store whose path has `/<kind>/` (chunks, manifests) in the test's project.
  int CountObjects(const std::string& kind) {
    int n = 0;
    std::string root = options_.store_dir + "/" + project_;
    if (!std::filesystem::exists(root)) return 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().string().find("/" + kind + "/") != std::string::npos) {
        ++n;
      }
    }
    return n;
  }

  // Data objects of either storage format: v1 chunks, v2 packs.
  int StoredData() { return CountObjects("chunks") + CountObjects("packs"); }

  // The backup as the job runs it, with the volume still held (direct read of the volume).
  void ExpectVolumeHeldDuringCopy(const std::string& backup_id, const std::string& volume_id) {
    ASSERT_EQ(Get(backup_id).source_kind(), "volume")
        << "these tests assume a direct read (no reflink under the harness's volumes)";
    EXPECT_EQ(GetVolume(volume_id).status(), "backing-up");
    EXPECT_GT(StoredData(), 0) << "nothing stored yet: the cleanup would prove nothing";
  }

  void ExpectCleanAfterCancel(const std::string& backup_id, const std::string& volume_id) {
    grpc::Status s;
    Get(backup_id, &s);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << "backup " << backup_id << " remains";
    EXPECT_EQ(GetVolume(volume_id).status(), "available");  // its previous status
    EXPECT_EQ(StoredData(), 0) << "chunks/packs of the cancelled backup left in the store";
    EXPECT_EQ(CountObjects("manifests"), 0);
  }

  BackupdOptions options_;
  std::optional<bb::testing::TempDir> volumes_dir_;
  std::optional<bb::testing::TempDir> store_dir_;
};

TEST_F(BackupctlJobsTest, ForceDeleteStopsTheRunningBackupWithinASecond) {
  Restart({"failpoints = create.mid_upload=delay:100"});
  v1::Volume volume = CreateVolume(1, "cancel-me");
  WritePattern(volume.id(), 0, 64 * kMiB, 7);
  std::string id = StartCopyingBackup(volume.id());
  ExpectVolumeHeldDuringCopy(id, volume.id());

  // Without force (or without the operator's token) a running backup is not touched.
  ExpectRefused(Cli({"backup", "delete", id}), "FAILED_PRECONDITION",
                "force delete cancels a running backup");
  ExpectRefused(Cli({"backup", "delete", "--force", id}), "PERMISSION_DENIED", "operator");
  EXPECT_EQ(Get(id).status(), "creating");

  auto t0 = Clock::now();
  CliRun deleted = Cli({"--json", "backup", "delete", "--force", id}, As::kOperator);
  ASSERT_EQ(deleted.code, 0) << deleted.Describe();
  EXPECT_EQ(deleted.Json()["status"], "deleting");
  grpc::Status s;
  ASSERT_TRUE(PollUntil([&] {
    Get(id, &s);
    return s.error_code() == grpc::StatusCode::NOT_FOUND;
  })) << "still "
      << Get(id).status() << "; log:\n"
      << daemon_->Log();
  double latency = Seconds(Clock::now() - t0);
  std::cout << "[ measure  ] force delete -> backup gone (local job): " << latency << " s\n";
  RecordProperty("stop_latency_ms", static_cast<int>(latency * 1000));
  EXPECT_LT(latency, 1.0);
  ExpectCleanAfterCancel(id, volume.id());
}

TEST_F(BackupctlJobsTest, ForceDeleteThroughAnotherDaemonStopsTheJobByItsStatusPoll) {
  Restart({"failpoints = create.mid_upload=delay:100"});
  // A second backupd on the same database under another host identity.
  BackupdOptions other_options;
  other_options.extra_config = {"host = other-" + NewUuid().substr(0, 8)};
  auto other =
      BackupdProcess::Start(BB_BACKUPD_PATH, database_->conninfo(), BB_SCHEMA_DIR, other_options);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  auto other_backups = v1::BackupService::NewStub(
      grpc::CreateChannel((*other)->endpoint(), grpc::InsecureChannelCredentials()));

  v1::Volume volume = CreateVolume(1, "cancel-remote");
  WritePattern(volume.id(), 0, 64 * kMiB, 8);
  std::string id = StartCopyingBackup(volume.id());
  ExpectVolumeHeldDuringCopy(id, volume.id());

  auto t0 = Clock::now();
  v1::DeleteBackupRequest request;
  request.set_backup_id(id);
  request.set_force(true);
  v1::Backup answer;
  grpc::ClientContext context;
  context.AddMetadata("x-project-id", project_);
  context.AddMetadata("x-operator-token", (*other)->operator_token());
  grpc::Status s = other_backups->DeleteBackup(&context, request, &answer);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(answer.status(), "deleting");
  EXPECT_EQ(answer.job_phase(), "") << "the other daemon runs no job on it";
  ASSERT_TRUE(PollUntil([&] {
    Get(id, &s);
    return s.error_code() == grpc::StatusCode::NOT_FOUND;
  })) << "still "
      << Get(id).status() << "; log:\n"
      << daemon_->Log();
  double latency = Seconds(Clock::now() - t0);
  std::cout << "[ measure  ] force delete on another daemon -> backup gone: " << latency << " s\n";
  RecordProperty("remote_stop_latency_ms", static_cast<int>(latency * 1000));
  // The poll runs at most once a second; add a chunk's delay and the cleanup.
  EXPECT_LT(latency, 2.0);
  ExpectCleanAfterCancel(id, volume.id());
  other_backups.reset();
  auto code = (*other)->Stop(std::chrono::seconds(60));
  EXPECT_TRUE(code.ok() && *code == 0) << (*other)->Log();
}

TEST_F(BackupctlJobsTest, KillAfterTheJobSawTheCancelIsCleanedUpAtRestart) {
  Restart({"failpoints = create.mid_upload=delay:100,cancel.after_job_stopped=kill"});
  v1::Volume volume = CreateVolume(1, "cancel-crash");
  WritePattern(volume.id(), 0, 64 * kMiB, 9);
  std::string id = StartCopyingBackup(volume.id());
  ExpectVolumeHeldDuringCopy(id, volume.id());
  CliRun deleted = Cli({"backup", "delete", "--force", id}, As::kOperator);
  ASSERT_EQ(deleted.code, 0) << deleted.Describe();
  // The job sees the cancel and the failpoint kills the daemon: the backup is deleting, the
  // volume still backing-up, its chunks stored.
  ASSERT_TRUE(PollUntil([&] { return GetBackupStatus(id).rfind("error ", 0) == 0; }))
      << "the daemon was not killed; log:\n"
      << daemon_->Log();
  KillDaemon();
  EXPECT_GT(StoredData(), 0);
  Restart({});  // restart cleanup resumes the delete before the daemon serves
  ASSERT_TRUE(PollUntil([&] { return GetBackupStatus(id) != "deleting"; }));
  ExpectCleanAfterCancel(id, volume.id());
}

TEST_F(BackupctlJobsTest, RestoreCancelStopsTheRestoreWithinASecond) {
  Restart({"failpoints = restore.mid_write=delay:100"});
  v1::Volume volume = CreateVolume(1, "restore-source");
  WritePattern(volume.id(), 0, 64 * kMiB, 10);
  v1::Backup backup = BackupAndWait(volume.id());
  CliRun restore = Cli({"--json", "backup", "restore", backup.id(), "--name", "partial"});
  ASSERT_EQ(restore.code, 0) << restore.Describe();
  std::string target = restore.Json().value("volume_id", "");
  ASSERT_TRUE(PollUntil([&] {
    v1::Backup b = Get(backup.id());
    return b.job_phase() == "copy" && b.bytes_done() > 0;
  })) << daemon_->Log();

  // Another project cannot see it, let alone cancel it.
  ExpectRefused(Cli({"backup", "restore-cancel", backup.id()}, As::kTenant, "someone_else"),
                "NOT_FOUND", "not found");
  auto t0 = Clock::now();
  CliRun cancelled = Cli({"--json", "backup", "restore-cancel", backup.id()});  // the owner
  ASSERT_EQ(cancelled.code, 0) << cancelled.Describe();
  EXPECT_EQ(cancelled.Json()["backup"]["status"], "available");
  EXPECT_EQ(cancelled.Json()["volume_id"], target);
  EXPECT_EQ(cancelled.Json()["volume_status"], "error");
  ASSERT_TRUE(PollUntil([&] { return Get(backup.id()).job_phase().empty(); }))
      << "the restore job is still running; log:\n"
      << daemon_->Log();
  double latency = Seconds(Clock::now() - t0);
  std::cout << "[ measure  ] restore-cancel -> restore job gone: " << latency << " s\n";
  RecordProperty("restore_stop_latency_ms", static_cast<int>(latency * 1000));
  EXPECT_LT(latency, 1.0);
  EXPECT_EQ(Get(backup.id()).status(), "available");
  EXPECT_EQ(GetVolume(target).status(), "error");  // its content is partial
  ExpectRefused(Cli({"backup", "restore-cancel", backup.id()}), "FAILED_PRECONDITION",
                "no restore to cancel");
  // The watch of a cancelled restore says so.
  CliRun watched = Cli({"--json", "backup", "watch", backup.id(), "--restore"});
  EXPECT_NE(watched.out.find("restore cancelled"), std::string::npos) << watched.Describe();
}

TEST_F(BackupctlJobsTest, BackupsBeyondTheLimitWaitVisiblyInTheQueue) {
  // The first backup's first chunk waits 3 s: long enough to see the second one queued.
  Restart({"backup_max_operations = 1", "failpoints = create.mid_upload=delay:3000@1"});
  v1::Volume a = CreateVolume(1, "first");
  v1::Volume b = CreateVolume(1, "second");
  WritePattern(a.id(), 0, 4 * kMiB, 11);
  WritePattern(b.id(), 0, 4 * kMiB, 12);
  CliRun first = Cli({"--json", "backup", "create", a.id()});
  CliRun second = Cli({"--json", "backup", "create", b.id()});
  ASSERT_EQ(first.code, 0) << first.Describe();
  ASSERT_EQ(second.code, 0) << second.Describe();
  std::string first_id = first.Json()["id"], second_id = second.Json()["id"];
  EXPECT_EQ(second.Json()["job_phase"], "queued");
  EXPECT_EQ(second.Json()["queue_position"], 1);

  // While the first runs, the second says queued, position 1, in show, list and watch.
  v1::Backup running = Get(first_id);
  EXPECT_NE(running.job_phase(), "queued");
  EXPECT_NE(running.job_phase(), "");
  CliRun show = Cli({"backup", "show", second_id});
  EXPECT_NE(show.out.find("job_phase:"), std::string::npos) << show.Describe();
  EXPECT_NE(show.out.find("queued"), std::string::npos) << show.Describe();
  CliRun list = Cli({"backup", "list"});
  EXPECT_NE(list.out.find("creating (queued, position 1)"), std::string::npos) << list.Describe();
  v1::WatchRequest watch;
  watch.set_backup_id(second_id);
  auto context = Ctx();
  auto stream = backups_->WatchBackup(context.get(), watch);
  v1::Progress progress;
  ASSERT_TRUE(stream->Read(&progress));
  EXPECT_EQ(progress.phase(), "queued");
  EXPECT_EQ(progress.queue_position(), 1);
  context->TryCancel();
  EXPECT_EQ(Get(first_id).status(), "creating") << "the first ended before the checks";

  v1::Backup first_done = WaitWhile(first_id, "creating");
  v1::Backup second_done = WaitWhile(second_id, "creating");
  EXPECT_EQ(first_done.status(), "available") << first_done.fail_reason();
  EXPECT_EQ(second_done.status(), "available") << second_done.fail_reason();
  // One at a time: the second began copying only after the first had finished.
  EXPECT_GE(second_done.started_at_us(), first_done.finished_at_us());
}

}  // namespace
}  // namespace bb::it
