// The temporary-clone backup path end to end, with the real backupd and backupctl: the file
// driver on a reflink XFS (needs root: a loop mount) configured with file_driver_snapshots =
// false, i.e. a driver that can clone but not snapshot. A forced backup of an in-use volume then
// reads a temporary reflink clone: the volume is released (in-use again) once the clone exists,
// writes after that do not reach the backup, the clone's row and file are gone afterwards, and
// the backup restores bit-exact to the clone's instant. Crashes on this path: the failpoint
// matrix's temp-clone cases (crash_matrix_test.cc).
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "tests/integration/backupctl_xfs_fixture.h"

namespace bb::it {
namespace {

class BackupctlClonePathTest : public BackupctlOnXfsTest {
 protected:
  BackupctlClonePathTest() : BackupctlOnXfsTest({"file_driver_snapshots = false"}) {}

  std::set<std::string> VolumeFiles() {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(xfs_->path())) {
      names.insert(e.path().filename());
    }
    return names;
  }

  // Rows of the test database, e.g. to see rows the API hides (temporaries).
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
};

TEST_F(BackupctlClonePathTest, ForcedBackupOfAnInUseVolumeReadsATemporaryClone) {
  // Each chunk waits 5 ms: the copy lasts long enough (seconds) to be watched mid-way.
  options_.extra_config.push_back("failpoints = create.mid_upload=delay:5");
  StopDaemon();
  StartDaemon(options_);
  v1::Volume volume = CreateVolume(1, "in-use-source");
  WritePattern(volume.id(), 0, 48 * kMiB, 1);
  WritePattern(volume.id(), 700 * kMiB, 16 * kMiB, 2);
  // What the backup must hold: the volume as it is when the clone is made.
  v1::Volume expected = CreateVolume(1, "expected");
  WritePattern(expected.id(), 0, 48 * kMiB, 1);
  WritePattern(expected.id(), 700 * kMiB, 16 * kMiB, 2);

  CliRun attached = Cli({"volume", "attach", volume.id(), "--instance", NewUuid()});
  ASSERT_EQ(attached.code, 0) << attached.Describe();
  ASSERT_EQ(GetVolume(volume.id()).status(), "in-use");
  ExpectRefused(Cli({"backup", "create", volume.id()}), "FAILED_PRECONDITION",
                "must use the force flag");

  CliRun started = Cli({"--json", "backup", "create", volume.id(), "--force"});
  ASSERT_EQ(started.code, 0) << started.Describe();
  std::string id = started.Json().value("id", "");
  ASSERT_FALSE(id.empty()) << started.Describe();

  // Mid-copy: the backup reads its temporary clone, and the volume is already in-use again.
  v1::Backup seen;
  for (int i = 0; i < 6000 && !(seen.job_phase() == "copy" && seen.bytes_done() >= 8 * kMiB); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = Get(id);
  }
  ASSERT_EQ(seen.job_phase(), "copy") << daemon_->Log();
  EXPECT_EQ(seen.source_kind(), "temp-clone-local");
  EXPECT_NE(seen.source_reason().find("cannot snapshot (the file driver is configured without "
                                      "snapshots"),
            std::string::npos)
      << seen.source_reason();
  EXPECT_NE(seen.source_reason().find("but can clone cheaply"), std::string::npos);
  std::vector<std::string> temp = Query(
      "SELECT id FROM volumes WHERE is_temporary AND name = "
      "'backup-vol-" +
      volume.id() + "'");
  ASSERT_EQ(temp.size(), 1u) << "no temporary clone row";
  EXPECT_EQ(seen.source_device(), xfs_->path() + "/volume-" + temp[0]);
  EXPECT_TRUE(VolumeFiles().count("volume-" + temp[0])) << "the clone's file is not there";
  EXPECT_EQ(GetVolume(volume.id()).status(), "in-use");
  CliRun listed = Cli({"--json", "volume", "list"});
  EXPECT_EQ(listed.out.find(temp[0]), std::string::npos) << "the temporary clone is listed";

  // The instance keeps writing: nothing written after the clone may reach the backup.
  WritePattern(volume.id(), 0, 48 * kMiB, 3);

  v1::Backup done = WaitWhile(id, "creating");
  ASSERT_EQ(done.status(), "available") << done.fail_reason() << "\n" << daemon_->Log();
  EXPECT_EQ(done.source_kind(), "temp-clone-local");
  EXPECT_EQ(GetVolume(volume.id()).status(), "in-use");
  EXPECT_EQ(VolumeFiles(),
            (std::set<std::string>{"volume-" + volume.id(), "volume-" + expected.id()}))
      << "the temporary clone's file was left";
  EXPECT_TRUE(Query("SELECT id FROM volumes WHERE is_temporary").empty())
      << "the temporary clone's row was left";
  EXPECT_TRUE(Query("SELECT id FROM backups WHERE temp_volume_id IS NOT NULL").empty());

  v1::Volume restored = RestoreAndWait(id, "");
  ASSERT_EQ(restored.status(), "available");
  ExpectSameContent(restored.id(), expected.id());
  CliRun detached = Cli({"volume", "detach", volume.id()});
  EXPECT_EQ(detached.code, 0) << detached.Describe();
}

TEST_F(BackupctlClonePathTest, AvailableVolumesAreClonedTooAndSnapshotsAreRefused) {
  v1::Volume volume = CreateVolume(1, "available-source");
  WritePattern(volume.id(), 0, 8 * kMiB, 4);
  ExpectRefused(Cli({"snapshot", "create", volume.id(), "--name", "s"}), "FAILED_PRECONDITION",
                "the file driver is configured without snapshots");

  CliRun created = Cli({"--json", "backup", "create", volume.id(), "--wait"});
  ASSERT_EQ(created.code, 0) << created.Describe();
  auto backup = created.Json();
  EXPECT_EQ(backup["status"], "available");
  EXPECT_EQ(backup["source_kind"], "temp-clone-local");
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");
  EXPECT_EQ(VolumeFiles(), (std::set<std::string>{"volume-" + volume.id()}));

  v1::Volume restored = RestoreAndWait(backup["id"].get<std::string>(), "");
  ASSERT_EQ(restored.status(), "available");
  ExpectSameContent(restored.id(), volume.id());
}

}  // namespace
}  // namespace bb::it
