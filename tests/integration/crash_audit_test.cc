// The audit itself must fail when something leaked, or the crash suites prove nothing. Here a
// temporary clone is really leaked: backupd (file_driver_snapshots = false, so a forced backup of
// an in-use volume reads a temporary clone) kills itself once the clone file exists, and the audit
// runs on what the crash left, before any restart cleaned it up; then its row is deleted by hand
// (a cleanup that forgot the file), which must show as a leaked file. The one temporary snapshot
// a volume may keep, its incremental base (changed-extent incrementals, on by default), passes
// the audit only while it holds an available backup of that volume.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "tests/integration/crash_fixture.h"

namespace bb::it {
namespace {

class CrashAuditTest : public CrashTest {
 protected:
  // Expects a problem line containing `text`.
  void ExpectFound(const std::vector<std::string>& problems, const std::string& text) {
    std::string all;
    for (const auto& p : problems) all += "\n  " + p;
    EXPECT_TRUE(
        std::any_of(problems.begin(), problems.end(),
                    [&](const std::string& p) { return p.find(text) != std::string::npos; }))
        << "the audit did not report \"" << text << "\"; it reported:" << all;
  }
};

TEST_F(CrashAuditTest, CatchesALeakedTemporaryClone) {
  options_.extra_config = {"file_driver_snapshots = false"};
  StartWith("create.after_temp_made=kill");
  v1::Volume source = CreateVolume(1, "source");
  WritePattern(source.id(), 0, 4 * kMiB, 21);
  Attach(source.id());
  std::string id = StartBackup(source.id(), /*force=*/true, /*may_crash=*/true);
  ASSERT_FALSE(id.empty());
  ExpectKilledByFailpoint("create.after_temp_made");

  auto rows = QueryRows(database_->conninfo(),
                        "SELECT temp_volume_id FROM backups WHERE id = '" + id + "'");
  ASSERT_EQ(rows.size(), 1u);
  const std::string clone = rows[0];
  const std::string clone_file = "volume-" + clone;
  ASSERT_TRUE(std::filesystem::exists(options_.volumes_dir + "/" + clone_file))
      << "the failpoint fires after the driver made the clone";

  // As the crash left it: the clone's row, the backup recording it, the volume held.
  auto problems = AuditNothingLeaked(Scope());
  ExpectFound(problems, "temporary clone row left: " + clone);
  ExpectFound(problems, "backup still records a temporary: " + id);
  ExpectFound(problems, "volume in a transitional status: " + source.id() + " backing-up");

  // The row gone but the file kept.
  QueryRows(database_->conninfo(), "DELETE FROM volumes WHERE id = '" + clone + "'");
  problems = AuditNothingLeaked(Scope());
  ExpectFound(problems, "leaked file in the volumes dir: " + clone_file);
  for (const auto& p : problems) {
    EXPECT_EQ(p.find("temporary clone row left"), std::string::npos) << p;
  }

  // Remove the hand-made leak; the restart's cleanup then settles the rest.
  std::filesystem::remove(options_.volumes_dir + "/" + clone_file);
  StartWith("");
  EXPECT_EQ(WaitResting(id), "error");
  EXPECT_EQ(GetVolume(source.id()).status(), "in-use");
  ExpectNothingLeaked("after the restart");
  DeleteEverythingAndExpectEmpty();
}

TEST_F(CrashAuditTest, AcceptsAVolumesIncrementalBaseOnlyWhileItHoldsAnAvailableBackup) {
  StartWith("");
  v1::Volume volume = CreateVolume(1, "based");
  WritePattern(volume.id(), 0, 4 * kMiB, 22);
  std::string id = StartBackup(volume.id(), /*force=*/false);
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(WaitResting(id), "available");
  const std::string conninfo = database_->conninfo();
  auto exec = [&](const std::string& sql) {
    auto out = QueryRows(conninfo, sql);
    EXPECT_TRUE(out.empty()) << ::testing::PrintToString(out);
  };
  auto bases = QueryRows(conninfo,
                         "SELECT id FROM snapshots WHERE is_temporary AND status = 'available' "
                         "AND incremental_base_of = '" +
                             id + "'");
  ASSERT_EQ(bases.size(), 1u) << "the backup did not keep its snapshot as the volume's base\n"
                              << daemon_->Log();
  ExpectNothingLeaked("with the volume's incremental base");

  // The same snapshot once its backup is not available: a leak.
  exec("UPDATE backups SET status = 'error' WHERE id = '" + id + "'");
  ExpectFound(AuditNothingLeaked(Scope()), "temporary snapshot row left: " + bases[0]);
  exec("UPDATE backups SET status = 'available' WHERE id = '" + id + "'");
  // Recorded as holding a backup of another volume: a leak.
  v1::Volume other = CreateVolume(1, "other");
  exec("UPDATE backups SET volume_id = '" + other.id() + "' WHERE id = '" + id + "'");
  ExpectFound(AuditNothingLeaked(Scope()), "temporary snapshot row left: " + bases[0]);
  exec("UPDATE backups SET volume_id = '" + volume.id() + "' WHERE id = '" + id + "'");
  ExpectNothingLeaked("the base restored");
  DeleteEverythingAndExpectEmpty();
}

}  // namespace
}  // namespace bb::it
