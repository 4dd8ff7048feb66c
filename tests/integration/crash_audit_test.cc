// The audit itself must fail when something leaked, or the crash suites prove nothing. Here a
// temporary clone is really leaked: backupd (file_driver_snapshots = false, so a forced backup of
// an in-use volume reads a temporary clone) kills itself once the clone file exists, and the audit
// runs on what the crash left, before any restart cleaned it up; then its row is deleted by hand
// (a cleanup that forgot the file), which must show as a leaked file.
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

}  // namespace
}  // namespace bb::it
