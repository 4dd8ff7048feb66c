// Running jobs, through backupctl against the real backupd: with backup_max_operations = 1 a
// second backup waits visibly in the queue while the first runs (held by a delay failpoint).
#include <optional>
#include <thread>

#include "tests/integration/backupctl_fixture.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {
namespace {

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

  BackupdOptions options_;
  std::optional<bb::testing::TempDir> volumes_dir_;
  std::optional<bb::testing::TempDir> store_dir_;
};

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
