// Crashes in the export steps (model/failpoints.cc, "export.*" and "unexport.*", placed after
// each driver call in volume_manager/volume_exports.cc), with the real backupd, the file driver
// exporting through tgtd and backup_attach = remote (root: reflink XFS and tgtd; PostgreSQL).
// A snapshot is exported for a backup of that given snapshot; a volume for a restore into a new
// volume. backupd SIGKILLs itself at the failpoint; the test checks the state the crash left
// (so a failpoint that moved would be noticed), optionally removes the target behind backupd's
// back (tgtadm, as a tgtd restart would lose it), restarts backupd and expects restart cleanup
// to have removed the partial export: no tgt target of the object, provider_auth cleared, the
// object in its resting status. Exports are never re-created at start (no ensure_export): each
// belongs to a backup or restore that recovery ends.
// tgtd is started through devstack/lib/tgt.sh when none runs (and stopped at the end only then).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "backup_service/common/uuid.h"
#include "backup_service/model/failpoints.h"
#include "tests/integration/backupctl_xfs_fixture.h"
#include "volume_drivers/targets/tgt_target.h"

namespace bb::it {
namespace {

constexpr const char* kSnapshotIqn = "iqn.2010-10.org.blockbackup:snapshot-";
constexpr const char* kVolumeIqn = "iqn.2010-10.org.blockbackup:volume-";

struct ExportCrash {
  std::string failpoint;
  bool target_lost = false;  // the target is removed behind backupd's back before the restart
};

std::vector<ExportCrash> AllCases() {
  std::vector<ExportCrash> out;
  for (const auto& f : AllFailpoints()) {
    std::string name(f.name);
    if (!name.starts_with("export.") && !name.starts_with("unexport.")) continue;
    out.push_back({name, false});
    // After the target's removal there is no target left to lose.
    if (!name.ends_with(".after_remove_export")) out.push_back({name, true});
  }
  return out;
}

void PrintTo(const ExportCrash& c, std::ostream* os) {
  *os << c.failpoint << (c.target_lost ? " (target lost)" : "");
}

std::string CaseName(const ::testing::TestParamInfo<ExportCrash>& info) {
  std::string name = info.param.failpoint;
  std::replace(name.begin(), name.end(), '.', '_');
  return name + (info.param.target_lost ? "_TargetLost" : "");
}

class ExportCrashTest : public BackupctlOnXfsTest,
                        public ::testing::WithParamInterface<ExportCrash> {
 protected:
  ExportCrashTest()
      : BackupctlOnXfsTest({"file_driver_target_helper = tgt", "backup_attach = remote"}) {}

  static void SetUpTestSuite() {
    BackupctlOnXfsTest::SetUpTestSuite();
    if (geteuid() != 0) return;
    SystemCommandRunner runner;
    auto r = RunChecked(runner, {"bash", std::string(BB_DEVSTACK_LIB) + "/tgt.sh", "start"});
    if (r.ok()) started_tgtd_ = r->out.find("started") != std::string::npos;
  }
  static void TearDownTestSuite() {
    if (started_tgtd_) {
      SystemCommandRunner runner;
      (void)RunChecked(runner, {"bash", std::string(BB_DEVSTACK_LIB) + "/tgt.sh", "stop"});
    }
    BackupctlOnXfsTest::TearDownTestSuite();
  }

  void SetUp() override {
    BackupctlOnXfsTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    static int n = 0;
    hits_file_ = std::filesystem::temp_directory_path().string() + "/bb-export-crash-hits-" +
                 std::to_string(getpid()) + "-" + std::to_string(++n);
  }
  void TearDown() override {
    BackupctlOnXfsTest::TearDown();
    // The hits go to tests/run.sh's file too (stage e: every failpoint reached).
    if (const char* global = std::getenv("BB_FAILPOINT_HITS");
        global != nullptr && *global != '\0' && !hits_file_.empty()) {
      std::ifstream in(hits_file_);
      std::ofstream out(global, std::ios::app);
      out << in.rdbuf();
    }
    if (!hits_file_.empty()) unlink(hits_file_.c_str());
  }

  void StartWithFailpoint(const std::string& spec) {
    StopDaemon();
    BackupdOptions o = options_;
    o.env = {"BB_FAILPOINTS=" + spec, "BB_FAILPOINT_HITS=" + hits_file_};
    StartDaemon(o);
  }
  std::set<std::string> Hits() const {
    std::set<std::string> hits;
    std::ifstream in(hits_file_);
    for (std::string line; std::getline(in, line);) hits.insert(line);
    return hits;
  }

  // IQNs of the targets tgtd serves now whose names start with `prefix`.
  std::vector<std::string> Targets(const std::string& prefix) {
    TgtTarget tgt(runner_);
    auto all = tgt.ListExports();
    if (!all.ok()) return {"tgtadm failed: " + all.status().ToString()};
    std::vector<std::string> out;
    for (const auto& e : *all) {
      if (e.target_iqn.starts_with(prefix)) out.push_back(e.target_iqn);
    }
    return out;
  }
  std::string Row(const std::string& sql) {
    auto rows = QueryRows(database_->conninfo(), sql);
    return rows.size() == 1 ? rows[0] : "(" + std::to_string(rows.size()) + " rows)";
  }

  // The daemon must SIGKILL itself at the failpoint.
  void WaitForTheCrash(const std::string& fp) {
    volumes_.reset();
    backups_.reset();
    auto exit = daemon_->WaitForExit(std::chrono::seconds(120));
    ASSERT_TRUE(exit.ok()) << "backupd did not kill itself at " << fp << ": "
                           << exit.status().ToString() << "\n"
                           << daemon_->Log();
    daemon_.reset();
    EXPECT_TRUE(Hits().count(fp)) << fp << " not recorded as reached";
  }

  // The state the crash left: the target exists unless the crash came after its removal, and
  // provider_auth is recorded unless the crash came before the recording.
  void ExpectCrashState(const std::string& fp, const std::string& iqn, const std::string& table,
                        const std::string& id) {
    bool removed = fp.ends_with(".after_remove_export");
    EXPECT_EQ(Targets(iqn), removed ? std::vector<std::string>{} : std::vector<std::string>{iqn})
        << "the crash at " << fp;
    bool recorded = !fp.ends_with(".after_create_export");
    std::string auth = Row("SELECT provider_auth FROM " + table + " WHERE id = '" + id + "'");
    EXPECT_EQ(auth.starts_with("CHAP "), recorded) << "provider_auth at " << fp << ": " << auth;
  }

  // Removes the target as a tgtd restart would (tgtadm, not through backupd).
  void LoseTarget(const std::string& iqn) {
    TgtTarget tgt(runner_);
    ASSERT_TRUE(tgt.RemoveExport(iqn).ok());
    ASSERT_TRUE(Targets(iqn).empty());
  }

  // Without the failpoint; restart cleanup runs before the daemon serves.
  void Restart() { StartDaemon(options_); }

  std::string hits_file_;
  static inline bool started_tgtd_ = false;
};

TEST_P(ExportCrashTest, RestartRemovesThePartialExport) {
  const ExportCrash c = GetParam();
  const bool snapshot = c.failpoint.find(".snapshot.") != std::string::npos;
  StartWithFailpoint(c.failpoint + "=kill");
  v1::Volume volume = CreateVolume(1, "export-crash");
  WritePattern(volume.id(), 0, 16 * kMiB, 71);

  std::string id, iqn, table, backup_id;
  if (snapshot) {
    // A backup of a given snapshot reads it through its export (snapshot-attached).
    CliRun snap = Cli({"--json", "snapshot", "create", volume.id(), "--name", "s"});
    ASSERT_EQ(snap.code, 0) << snap.Describe();
    id = snap.Json().value("id", "");
    // The job may reach the failpoint before the answer is sent: the backup is found by its
    // snapshot instead of from the answer.
    (void)Cli({"--json", "backup", "create", volume.id(), "--snapshot", id});
    iqn = kSnapshotIqn + id;
    table = "snapshots";
  } else {
    // A restore into a new volume writes through that volume's export. The backup before it
    // exports only a temporary snapshot, so it does not reach the volume failpoints.
    v1::Backup backup = BackupAndWait(volume.id());
    ASSERT_EQ(backup.status(), "available");
    backup_id = backup.id();
    // As above, the answer may never come: the new volume is the one that is not the source.
    v1::RestoreBackupRequest request;
    request.set_backup_id(backup_id);
    v1::RestoreBackupResponse response;
    (void)backups_->RestoreBackup(Ctx().get(), request, &response);
    table = "volumes";
  }
  ASSERT_NO_FATAL_FAILURE(WaitForTheCrash(c.failpoint));
  if (snapshot) {
    backup_id = Row("SELECT id FROM backups WHERE snapshot_id = '" + id + "'");
  } else {
    id = Row("SELECT id FROM volumes WHERE project_id = '" + project_ + "' AND id <> '" +
             volume.id() + "'");
    iqn = kVolumeIqn + id;
  }
  ASSERT_TRUE(IsUuid(id) && IsUuid(backup_id)) << id << " " << backup_id;
  ExpectCrashState(c.failpoint, iqn, table, id);
  if (c.target_lost) {
    ASSERT_NO_FATAL_FAILURE(LoseTarget(iqn));
  }

  Restart();
  EXPECT_TRUE(Targets(snapshot ? kSnapshotIqn : kVolumeIqn).empty()) << "a target was left";
  if (snapshot) {
    // The snapshot is released, not exported; the backup that held it failed.
    EXPECT_EQ(Row("SELECT status || '|' || provider_auth FROM snapshots WHERE id = '" + id + "'"),
              "available|");
    EXPECT_EQ(GetBackupStatus(backup_id), "error");
  } else {
    // The new volume the restore made is in error (its data incomplete), not exported; the
    // backup is available again.
    EXPECT_EQ(Row("SELECT status || '|' || provider_auth FROM volumes WHERE id = '" + id + "'"),
              "error|");
    EXPECT_EQ(GetBackupStatus(backup_id), "available");
  }
  EXPECT_EQ(Row("SELECT count(*) FROM volumes WHERE provider_auth <> ''"), "0");
  EXPECT_EQ(Row("SELECT count(*) FROM snapshots WHERE provider_auth <> ''"), "0");
  EXPECT_EQ(GetVolume(volume.id()).status(), "available");
  // And the objects are usable: the snapshot can be exported again by a new backup.
  if (snapshot) {
    CliRun again = Cli({"--json", "backup", "create", volume.id(), "--snapshot", id, "--wait"});
    EXPECT_EQ(again.code, 0) << again.Describe();
    EXPECT_EQ(again.Json().value("status", ""), "available") << again.Describe();
    EXPECT_TRUE(Targets(kSnapshotIqn).empty());
  }
}

INSTANTIATE_TEST_SUITE_P(EveryExportFailpoint, ExportCrashTest, ::testing::ValuesIn(AllCases()),
                         CaseName);

}  // namespace
}  // namespace bb::it
