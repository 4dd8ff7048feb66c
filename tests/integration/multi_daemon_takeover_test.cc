// Takeover of a host whose backupd was killed mid-backup and never came back: another daemon on
// the same database, volumes (a reflink XFS, so backups make real temporary snapshots; needs
// root) and store cleans up its work with `backupctl service takeover`.
#include <unistd.h>

#include "tests/integration/multi_daemon_fixture.h"
#include "volume_drivers/testing/scratch_xfs.h"

namespace bb::it {
namespace {

class TakeoverTest : public MultiDaemonTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: loop-mounted XFS for reflink snapshots";
    MultiDaemonTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    auto xfs = bb::testing::ScratchXfs::Create(runner_, 4ll << 30);
    ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
    xfs_ = std::move(xfs).value();
    UseVolumesDir(xfs_->path());
  }
  void TearDown() override {
    MultiDaemonTest::TearDown();
    if (xfs_) {
      EXPECT_TRUE(xfs_->Unmount().ok());
    }
  }

  int SnapshotFiles() {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(xfs_->path())) {
      if (e.path().filename().string().rfind("snapshot-", 0) == 0) ++n;
    }
    return n;
  }
  nlohmann::json ServiceRow(Daemon& on, const std::string& host) {
    CliRun list = CliOn(on, {"--json", "service", "list"}, As::kOperator);
    EXPECT_EQ(list.code, 0) << list.Describe();
    // Named: a range-for would not keep the temporary Json() alive.
    nlohmann::json services = list.Json()["services"];
    for (const auto& s : services) {
      if (s["host"] == host) return s;
    }
    ADD_FAILURE() << "no row for " << host << " in\n" << list.out;
    return {};
  }
  std::string StartBackup(Daemon& d, const std::string& volume_id) {
    v1::CreateBackupRequest request;
    request.set_volume_id(volume_id);
    v1::Backup backup;
    grpc::Status s = d.backups->CreateBackup(Ctx().get(), request, &backup);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return backup.id();
  }

  SystemCommandRunner runner_;
  std::unique_ptr<bb::testing::ScratchXfs> xfs_;
};

TEST_F(TakeoverTest, AnotherDaemonCleansUpAfterAKilledOne) {
  std::string host_a = NewHost("a");
  std::string host_b = NewHost("b");
  // On A, the first backup stops right after its temporary snapshot is made (the volume still
  // backing-up), the second in the middle of its upload (two chunks stored): each until killed.
  // Format v1: its 1 MiB chunks make "stopped after two chunks" observable in the store (v2
  // writes nothing before a 32 MiB pack is full; its crash cleanup is covered by crash_matrix).
  Start(a_, host_a,
        {"failpoints = create.after_temp_made=delay:600000@1,create.mid_upload=delay:600000@3",
         "backup_format = v1"});
  Start(b_, host_b, {"backup_format = v1"});
  v1::Volume held = CreateVolumeOn(a_, 1, "held");
  v1::Volume released = CreateVolumeOn(a_, 1, "released");
  WriteSharedPattern(held.id(), 0, 8 * kMiB, 1);
  WriteSharedPattern(released.id(), 0, 8 * kMiB, 2);

  std::string first = StartBackup(a_, held.id());
  for (int i = 0; i < 600 && SnapshotFiles() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(SnapshotFiles(), 1);
  std::string second = StartBackup(a_, released.id());
  for (int i = 0; i < 600 && CountChunkObjects() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(CountChunkObjects(), 2) << "the second backup did not stop mid-upload";
  ASSERT_EQ(SnapshotFiles(), 2);
  EXPECT_EQ(VolumeStatusOn(b_, held.id()), "backing-up");
  EXPECT_EQ(VolumeStatusOn(b_, released.id()), "available");  // released once its snapshot was

  // A is alive: B refuses to take it over, and shows it up with its two running backups.
  ExpectRefused(CliOn(b_, {"service", "takeover", host_a}, As::kOperator), "FAILED_PRECONDITION",
                "is alive");
  nlohmann::json row = ServiceRow(b_, host_a);
  EXPECT_EQ(row["alive"], true);
  EXPECT_EQ(row["backups_creating"], 2);

  Kill(a_);  // and A never comes back
  row = ServiceRow(b_, host_a);
  EXPECT_EQ(row["alive"], false) << "a killed daemon must be down at once";
  EXPECT_EQ(row["stopped_at_us"], 0);  // it did not stop cleanly
  EXPECT_EQ(row["backups_creating"], 2);
  EXPECT_EQ(GetBackupOn(b_, first).status(), "creating");  // nobody cleaned up yet

  CliRun takeover = CliOn(b_, {"--json", "service", "takeover", host_a}, As::kOperator);
  ASSERT_EQ(takeover.code, 0) << takeover.Describe() << "\nB's log:\n" << b_.process->Log();
  nlohmann::json report = takeover.Json();
  EXPECT_EQ(report["host"], host_a);
  EXPECT_EQ(report["recovered_by"], host_b);
  EXPECT_EQ(report["backups_failed"], 2);
  EXPECT_EQ(report["temporaries_removed"], 2);
  EXPECT_EQ(report["chunks_collected"], 2);
  EXPECT_TRUE(report["problems"].empty()) << takeover.out;

  for (const std::string& id : {first, second}) {
    v1::Backup b = GetBackupOn(b_, id);
    EXPECT_EQ(b.status(), "error");
    EXPECT_NE(b.fail_reason().find("backupd on " + host_a + " stopped"), std::string::npos)
        << b.fail_reason();
  }
  EXPECT_EQ(VolumeStatusOn(b_, held.id()), "available");  // back to its previous status
  EXPECT_EQ(VolumeStatusOn(b_, released.id()), "available");
  EXPECT_EQ(SnapshotFiles(), 0) << "a temporary snapshot of the killed daemon was left";
  EXPECT_EQ(CountChunkObjects(), 0) << "chunks of the failed backups were left";
  EXPECT_EQ(ServiceRow(b_, host_a)["backups_creating"], 0);

  // The volume is usable again, and A's identity is free: the takeover released it.
  CliRun again = CliOn(b_, {"--json", "backup", "create", held.id(), "--wait"});
  ASSERT_EQ(again.code, 0) << again.Describe();
  EXPECT_EQ(again.Json()["status"], "available");
  Start(a_, host_a);
  EXPECT_EQ(ServiceRow(b_, host_a)["alive"], true);
}

}  // namespace
}  // namespace bb::it
