// CrashTest: fixture for the crash-safety suites (failpoint matrix, soak). Every test gets its
// own project, volumes directory (on one reflink XFS per suite, so the file driver makes real
// temporary snapshots) and object-store directory, and starts the real backupd with the
// failpoints it wants (BB_FAILPOINTS) and its own hit record (BB_FAILPOINT_HITS). After a test
// its hits are appended to the test process's BB_FAILPOINT_HITS file, if tests/run.sh set one,
// for the suite-wide "every failpoint was reached" check.
// Needs root (loop-mounted XFS, attach through loop devices) and BB_TEST_PG_CONNINFO.
// Thread-safety: test thread only.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "tests/integration/backupd_grpc_fixture.h"
#include "tests/integration/crash_audit.h"
#include "volume_drivers/testing/scratch_xfs.h"
#include "volume_drivers/testing/temp_dir.h"

namespace bb::it {

class CrashTest : public BackupdGrpcTest {
 protected:
  static void SetUpTestSuite() {
    BackupdGrpcTest::SetUpTestSuite();
    if (geteuid() != 0 || database_ == nullptr) return;  // SetUp skips
    auto xfs = bb::testing::ScratchXfs::Create(*runner_, 8ll << 30);
    if (!xfs.ok()) {
      xfs_error_ = new std::string(xfs.status().ToString());
      return;
    }
    xfs_ = std::move(xfs).value().release();
  }
  static void TearDownTestSuite() {
    if (xfs_ != nullptr) (void)xfs_->Unmount();
    delete xfs_;
    xfs_ = nullptr;
    BackupdGrpcTest::TearDownTestSuite();
  }

  void SetUp() override {
    if (setup_error_ != nullptr) FAIL() << "cannot create the test database: " << *setup_error_;
    if (database_ == nullptr) {
      GTEST_SKIP() << "BB_TEST_PG_CONNINFO is not set: run tests/run.sh, which starts PostgreSQL";
    }
    if (geteuid() != 0) GTEST_SKIP() << "needs root: reflink XFS loop mount and loop attaches";
    if (xfs_error_ != nullptr) FAIL() << "cannot make the scratch XFS: " << *xfs_error_;
    project_ = "crash_" + NewUuid().substr(0, 8);
    auto work = bb::testing::TempDir::Create("bb-crash-");
    ASSERT_TRUE(work.ok()) << work.status().ToString();
    work_.emplace(std::move(work).value());
    options_.volumes_dir = xfs_->path() + "/" + project_;
    std::filesystem::create_directories(options_.volumes_dir);
    options_.store_dir = work_->path() + "/store";
    // The soak keeps up to ~13 backups of its project around: above Cinder's default quota of
    // 10, which is not what these tests are about.
    options_.extra_config.push_back("quota_backups = -1");
    hits_file_ = work_->path() + "/failpoint-hits";
  }

  void TearDown() override {
    if (daemon_) StopDaemon();
    if (!hits_file_.empty()) {
      const char* global = std::getenv("BB_FAILPOINT_HITS");
      if (global != nullptr && *global != '\0') {
        std::ifstream in(hits_file_);
        std::ofstream out(global, std::ios::app);
        out << in.rdbuf();
      }
    }
    if (!options_.volumes_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(options_.volumes_dir, ec);
    }
  }

  // Starts backupd with `failpoints` (empty: none).
  void StartWith(const std::string& failpoints) {
    BackupdOptions options = options_;
    options.env = {"BB_FAILPOINTS=" + failpoints, "BB_FAILPOINT_HITS=" + hits_file_};
    StartDaemon(options);
  }

  // The daemon must SIGKILL itself (a failpoint) within `timeout`; it is then gone.
  void ExpectKilledByFailpoint(const std::string& failpoint,
                               std::chrono::seconds timeout = std::chrono::seconds(60)) {
    volumes_.reset();
    backups_.reset();
    auto w = daemon_->WaitForExit(timeout);
    ASSERT_TRUE(w.ok()) << "backupd did not kill itself at " << failpoint << ": "
                        << w.status().ToString() << "\nlog:\n"
                        << daemon_->Log();
    EXPECT_TRUE(WIFSIGNALED(*w) && WTERMSIG(*w) == SIGKILL)
        << "backupd ended with wait status " << *w << "\nlog:\n"
        << daemon_->Log();
    daemon_.reset();
  }

  // Names this test's daemons reached (the BB_FAILPOINT_HITS record).
  std::set<std::string> Hits() const {
    std::set<std::string> hits;
    std::ifstream in(hits_file_);
    for (std::string line; std::getline(in, line);) hits.insert(line);
    return hits;
  }

  AuditScope Scope() const {
    return AuditScope{database_->conninfo(), project_, options_.volumes_dir, options_.store_dir};
  }

  // Everything of the project consistent: see crash_audit.h.
  void ExpectNothingLeaked(const std::string& when) {
    auto problems = AuditNothingLeaked(Scope());
    std::string all;
    for (const auto& p : problems) all += "\n  " + p;
    EXPECT_TRUE(problems.empty()) << when << ":" << all
                                  << (daemon_ ? "\nlog:\n" + daemon_->Log() : "");
  }

  v1::Attachment Attach(const std::string& volume_id) {
    v1::AttachVolumeRequest request;
    request.set_volume_id(volume_id);
    request.set_instance_uuid(NewUuid());
    v1::Attachment attachment;
    grpc::Status s = volumes_->AttachVolume(Ctx().get(), request, &attachment);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return attachment;
  }

  // The project's newest backup id per the database (for a call whose reply a crash ate).
  std::string NewestBackupId() {
    auto rows =
        QueryRows(database_->conninfo(), "SELECT id FROM backups WHERE project_id = '" + project_ +
                                             "' ORDER BY created_at DESC LIMIT 1");
    return rows.empty() ? "" : rows[0];
  }

  // The calls below start an operation. With may_crash, the daemon may die (a failpoint) before
  // it replies: the call then fails UNAVAILABLE and the answer is read from the database.

  // Returns the backup's id (empty when refused).
  std::string StartBackup(const std::string& volume_id, bool force, bool may_crash = false) {
    v1::CreateBackupRequest request;
    request.set_volume_id(volume_id);
    request.set_force(force);
    v1::Backup backup;
    grpc::Status s = backups_->CreateBackup(Ctx().get(), request, &backup);
    if (may_crash && s.error_code() == grpc::StatusCode::UNAVAILABLE) return NewestBackupId();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return backup.id();
  }

  // Restores into volume_id (a new volume when empty); returns the target volume's id.
  std::string StartRestore(const std::string& backup_id, const std::string& volume_id,
                           bool may_crash = false) {
    v1::RestoreBackupRequest request;
    request.set_backup_id(backup_id);
    request.set_volume_id(volume_id);
    v1::RestoreBackupResponse response;
    grpc::Status s = backups_->RestoreBackup(Ctx().get(), request, &response);
    if (may_crash && s.error_code() == grpc::StatusCode::UNAVAILABLE) {
      auto rows = QueryRows(database_->conninfo(),
                            "SELECT restore_volume_id FROM backups WHERE id = '" + backup_id + "'");
      return rows.empty() ? "" : rows[0];
    }
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.volume_id();
  }

  grpc::Status StartDelete(const std::string& backup_id, bool force, bool may_crash = false) {
    v1::DeleteBackupRequest request;
    request.set_backup_id(backup_id);
    request.set_force(force);
    v1::Backup backup;
    grpc::Status s = backups_->DeleteBackup((force ? AdminCtx() : Ctx()).get(), request, &backup);
    if (may_crash && s.error_code() == grpc::StatusCode::UNAVAILABLE) return grpc::Status::OK;
    return s;
  }

  v1::Backup GetBackup(const std::string& backup_id) {
    v1::GetBackupRequest request;
    request.set_backup_id(backup_id);
    v1::Backup backup;
    grpc::Status s = backups_->GetBackup(Ctx().get(), request, &backup);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return backup;
  }

  // Waits until the backup is in no transitional status; "gone" when it was deleted.
  std::string WaitResting(const std::string& backup_id) {
    for (const char* transitional : {"creating", "restoring", "deleting"}) {
      bool gone = false;
      v1::Backup b = WaitWhile(backup_id, transitional, &gone);
      if (gone) return "gone";
      if (b.status() == "creating" || b.status() == "restoring" || b.status() == "deleting") {
        return WaitResting(backup_id);
      }
    }
    return GetBackupStatus(backup_id);
  }

  // Every available backup of the project restores bit-exact: its source volume's file is the
  // expected content (the scenarios never write a volume after backing it up).
  void ExpectAvailableBackupsRestoreBitExact() {
    for (const auto& row : QueryRows(database_->conninfo(),
                                     "SELECT id || '|' || volume_id FROM backups WHERE "
                                     "project_id = '" +
                                         project_ + "' AND status = 'available'")) {
      auto bar = row.find('|');
      std::string backup_id = row.substr(0, bar), source = row.substr(bar + 1);
      v1::Volume restored = RestoreAndWait(backup_id, "");
      ASSERT_EQ(restored.status(), "available") << "restore of " << backup_id;
      ExpectSameFiles(VolumeFile(restored.id()), VolumeFile(source));
      DeleteVolume(restored.id());
    }
  }

  void DeleteVolume(const std::string& volume_id) {
    v1::Volume v = GetVolume(volume_id);
    for (const auto& a : v.attachments()) {
      v1::DetachVolumeRequest detach;
      detach.set_volume_id(volume_id);
      detach.set_attachment_id(a.id());
      v1::Volume after;
      grpc::Status s = volumes_->DetachVolume(Ctx().get(), detach, &after);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    v1::DeleteVolumeRequest request;
    request.set_volume_id(volume_id);
    v1::DeleteVolumeResponse response;
    grpc::Status s = volumes_->DeleteVolume(Ctx().get(), request, &response);
    EXPECT_TRUE(s.ok()) << "delete volume " << volume_id << ": " << s.error_message();
  }

  // A clean stop (exit 0 on SIGTERM) and a start without failpoints.
  void RestartWithoutFailpoints() {
    StopDaemon();
    StartWith("");
  }

  // Deletes every backup, snapshot and volume of the project (the daemon must have no
  // failpoints), then expects the volumes dir and the project's container to be empty. What a
  // crash leaked and the audit's rules allowed (chunks of an error_deleting backup) must be gone
  // now too.
  void DeleteEverythingAndExpectEmpty() {
    for (const auto& row : QueryRows(database_->conninfo(),
                                     "SELECT id || '|' || status FROM backups WHERE "
                                     "project_id = '" +
                                         project_ + "' AND status <> 'deleted'")) {
      auto bar = row.find('|');
      std::string id = row.substr(0, bar), status = row.substr(bar + 1);
      grpc::Status s = StartDelete(id, status == "error_deleting");
      EXPECT_TRUE(s.ok()) << "delete " << id << " (" << status << "): " << s.error_message();
      EXPECT_EQ(WaitResting(id), "gone") << id;
    }
    for (const auto& id :
         QueryRows(database_->conninfo(), "SELECT id FROM snapshots WHERE project_id = '" +
                                              project_ + "' AND NOT is_temporary")) {
      v1::DeleteSnapshotRequest request;
      request.set_snapshot_id(id);
      v1::DeleteSnapshotResponse response;
      grpc::Status s = volumes_->DeleteSnapshot(Ctx().get(), request, &response);
      EXPECT_TRUE(s.ok()) << "delete snapshot " << id << ": " << s.error_message();
    }
    for (const auto& id :
         QueryRows(database_->conninfo(),
                   "SELECT id FROM volumes WHERE project_id = '" + project_ + "'")) {
      DeleteVolume(id);
    }
    ExpectNothingLeaked("after deleting everything");
    std::error_code ec;
    EXPECT_TRUE(std::filesystem::is_empty(options_.volumes_dir, ec)) << options_.volumes_dir;
    std::string container = options_.store_dir + "/" + project_ + "/backups";
    for (const auto& e : std::filesystem::recursive_directory_iterator(container, ec)) {
      // A v2 container's own settings and keys (config, keys/<generation>.key) are not backup
      // data: they stay for the container's next backup.
      const std::string rel = e.path().string().substr(container.size());
      if (rel == "/config" || rel.rfind("/keys/", 0) == 0) continue;
      EXPECT_TRUE(e.is_directory())
          << "left in the store after deleting every backup: " << e.path();
    }
  }

  static inline SystemCommandRunner* runner_ = new SystemCommandRunner();
  static inline bb::testing::ScratchXfs* xfs_ = nullptr;
  static inline std::string* xfs_error_ = nullptr;
  std::optional<bb::testing::TempDir> work_;
  BackupdOptions options_;
  std::string hits_file_;
};

}  // namespace bb::it
