// The failpoint matrix: for EVERY create/restore/delete failpoint of the table
// (backup_service/model/failpoints.cc), once with `kill` (backupd SIGKILLs itself there and is
// restarted: restart-time cleanup) and once with `error` (the manager's own failure paths, no
// restart). After each: nothing transitional, the volumes back to what they were, no temporary,
// loop device, manifest or chunk leaked, every available backup restores bit-exact, and after
// deleting everything the volumes dir and the container are empty (crash_fixture.h).
//
// Every create point runs twice: on the temporary-SNAPSHOT path (the file driver with reflink
// snapshots, the default) and on the temporary-CLONE path (file_driver_snapshots = false: a driver
// that can clone but not snapshot), since the two make and remove different temporaries (a
// snapshot row and file vs a temporary volume row and file).
//
// Actions: the per-chunk points fire at their 3rd hit (some chunks done, others not); the final
// database writes of a job fail once with `error` (`@1`: a transient failure the manager retries;
// a database that stays unreachable is the PostgreSQL-outage test's subject).
#include <gtest/gtest.h>

#include "backup_service/model/failpoints.h"
#include "tests/integration/crash_fixture.h"

namespace bb::it {
namespace {

enum class Action { kKill, kError };

struct Case {
  std::string failpoint;
  Action action;
  bool restore_into_new_volume = false;
  bool temp_clone = false;  // create only: the driver cannot snapshot, the backup reads a clone
};

bool IsPerChunk(const std::string& fp) {
  return fp == "create.mid_upload" || fp == "restore.mid_write";
}
bool IsFinalWrite(const std::string& fp) {
  return fp == "create.before_db_available" || fp == "restore.before_volume_available" ||
         fp == "restore.before_backup_available" || fp == "delete.before_db_deleted";
}
std::string Operation(const std::string& fp) { return fp.substr(0, fp.find('.')); }

std::string Spec(const Case& c) {
  std::string action = c.action == Action::kKill ? "kill" : "error";
  if (IsPerChunk(c.failpoint)) return c.failpoint + "=" + action + "@3";
  if (c.action == Action::kError && IsFinalWrite(c.failpoint)) return c.failpoint + "=error@1";
  return c.failpoint + "=" + action;
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const auto& f : AllFailpoints()) {
    std::string name(f.name);
    std::string op = Operation(name);
    if (op != "create" && op != "restore" && op != "delete") continue;
    for (Action a : {Action::kKill, Action::kError}) {
      if (op == "restore") {
        cases.push_back({name, a, false});
        cases.push_back({name, a, true});
      } else if (op == "create") {
        cases.push_back({name, a, false, /*temp_clone=*/false});
        cases.push_back({name, a, false, /*temp_clone=*/true});
      } else {
        cases.push_back({name, a});
      }
    }
  }
  return cases;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.failpoint << (c.action == Action::kKill ? " kill" : " error")
      << (c.restore_into_new_volume ? " (new target)" : "")
      << (c.temp_clone ? " (temp clone)" : "");
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.failpoint;
  for (char& ch : name) {
    if (ch == '.') ch = '_';
  }
  name += info.param.action == Action::kKill ? "_kill" : "_error";
  if (Operation(info.param.failpoint) == "restore") {
    name += info.param.restore_into_new_volume ? "_new_target" : "_existing_target";
  }
  if (info.param.temp_clone) name += "_temp_clone";
  return name;
}

class CrashMatrixTest : public CrashTest, public ::testing::WithParamInterface<Case> {
 protected:
  // A volume with data in two places (the rest sparse), so backups store real and zero chunks.
  v1::Volume MakeSource() {
    v1::Volume v = CreateVolume(1, "source");
    WritePattern(v.id(), 0, 6 * kMiB, 11);
    WritePattern(v.id(), 300 * kMiB, 5 * kMiB, 12);
    return v;
  }

  // The temporaries a backup made, as "<volume|snapshot> <id>", from the events table (which
  // keeps a removed row's history): the row of each is inserted with this reason.
  std::vector<std::string> TemporariesOf(const std::string& backup_id) {
    return QueryRows(database_->conninfo(),
                     "SELECT DISTINCT resource_type || ' ' || resource_id FROM events WHERE "
                     "reason IN ('temporary clone for backup " +
                         backup_id + "', 'temporary snapshot for backup " + backup_id + "')");
  }

  // After a kill, the restart (whose recovery runs before it serves) replaces the daemon.
  void CrashedOrFailed(const Case& c) {
    if (c.action == Action::kKill) {
      ExpectKilledByFailpoint(c.failpoint);
      StartWith("");
    }
  }
};

TEST_P(CrashMatrixTest, NothingStuckNothingLeakedNothingLost) {
  const Case& c = GetParam();
  const std::string op = Operation(c.failpoint);
  const bool kill = c.action == Action::kKill;
  if (c.temp_clone) options_.extra_config = {"file_driver_snapshots = false"};
  StartWith(Spec(c));
  v1::Volume source = MakeSource();

  if (op == "create") {
    // An in-use volume, backed up with force: the case that must end in-use again.
    Attach(source.id());
    ASSERT_EQ(GetVolume(source.id()).status(), "in-use");
    std::string id = StartBackup(source.id(), /*force=*/true, kill);
    ASSERT_FALSE(id.empty());
    CrashedOrFailed(c);
    std::string status = WaitResting(id);
    bool succeeds = !kill && IsFinalWrite(c.failpoint);
    EXPECT_EQ(status, succeeds ? "available" : "error");
    if (!kill && !succeeds && !IsPerChunk(c.failpoint)) {
      EXPECT_NE(GetBackup(id).fail_reason().find("failpoint " + c.failpoint), std::string::npos)
          << GetBackup(id).fail_reason();
    }
    EXPECT_EQ(GetVolume(source.id()).status(), "in-use");
    // The path really taken, and its temporary made and gone: row (the audit below also checks
    // that no temporary row is left but a volume's incremental base) and file. A backup that
    // ends available from a temporary SNAPSHOT keeps it as the volume's incremental base
    // (changed_extent_incrementals, on by default): then that row and file stay, recorded as
    // the base of this very backup.
    const bool keeps_base = succeeds && !c.temp_clone;
    if (c.failpoint != "create.after_begin") {
      EXPECT_EQ(GetBackup(id).source_kind(),
                c.temp_clone ? "temp-clone-local" : "temp-snapshot-local");
    }
    bool temp_row_made =
        c.failpoint != "create.after_begin" && c.failpoint != "create.after_temp_recorded";
    std::vector<std::string> temporaries = TemporariesOf(id);
    ASSERT_EQ(temporaries.size(), temp_row_made ? 1u : 0u);
    for (const auto& t : temporaries) {
      std::string type = t.substr(0, t.find(' ')), temp_id = t.substr(t.find(' ') + 1);
      EXPECT_EQ(type, c.temp_clone ? "volume" : "snapshot") << t;
      if (keeps_base) {
        EXPECT_EQ(QueryRows(database_->conninfo(),
                            "SELECT status || ' ' || coalesce(incremental_base_of::text, '') FROM "
                            "snapshots WHERE id = '" +
                                temp_id + "'"),
                  std::vector<std::string>{"available " + id})
            << "the temporary snapshot is not the volume's incremental base: " << t;
        EXPECT_TRUE(std::filesystem::exists(options_.volumes_dir + "/snapshot-" + temp_id)) << t;
        continue;
      }
      EXPECT_TRUE(QueryRows(database_->conninfo(),
                            "SELECT id FROM " + type + "s WHERE id = '" + temp_id + "'")
                      .empty())
          << "the temporary's row is left: " << t;
      EXPECT_FALSE(std::filesystem::exists(options_.volumes_dir + "/" + type + "-" + temp_id))
          << "the temporary's file is left: " << t;
    }
  } else if (op == "restore") {
    v1::Backup backup = BackupAndWait(source.id());
    std::string target;
    if (!c.restore_into_new_volume) target = CreateVolume(1, "target").id();
    target = StartRestore(backup.id(), target, kill);
    ASSERT_FALSE(target.empty());
    CrashedOrFailed(c);
    EXPECT_EQ(WaitResting(backup.id()), "available");
    bool data_complete =
        kill ? c.failpoint == "restore.before_backup_available" : IsFinalWrite(c.failpoint);
    std::string expected = data_complete               ? "available"
                           : c.restore_into_new_volume ? "error"
                                                       : "error_restoring";
    EXPECT_EQ(GetVolume(target).status(), expected);
    if (data_complete) ExpectSameFiles(VolumeFile(target), VolumeFile(source.id()));
  } else {
    // Two backups sharing every chunk: deleting one must keep what the other needs.
    v1::Backup doomed = BackupAndWait(source.id());
    v1::Backup kept = BackupAndWait(source.id());
    grpc::Status s = StartDelete(doomed.id(), false, kill);
    ASSERT_TRUE(s.ok()) << s.error_message();
    CrashedOrFailed(c);
    bool finishes = kill || IsFinalWrite(c.failpoint);
    EXPECT_EQ(WaitResting(doomed.id()), finishes ? "gone" : "error_deleting");
    EXPECT_EQ(GetBackupStatus(kept.id()), "available");
  }
  EXPECT_TRUE(Hits().count(c.failpoint)) << c.failpoint << " was never reached";
  ExpectNothingLeaked("after " + Spec(c));
  if (!kill) RestartWithoutFailpoints();  // the failpoint would fail the checks' restores too
  ExpectAvailableBackupsRestoreBitExact();
  DeleteEverythingAndExpectEmpty();
}

INSTANTIATE_TEST_SUITE_P(EveryFailpoint, CrashMatrixTest, ::testing::ValuesIn(AllCases()),
                         CaseName);

}  // namespace
}  // namespace bb::it
