// Repository tests against a real PostgreSQL (BB_TEST_PG_CONNINFO): compare-and-swap semantics,
// event rows, CHECK constraints, and the delete guard.
#include <gtest/gtest.h>

#include <cctype>
#include <thread>

#include "backup_service/common/uuid.h"
#include "backup_service/db/backup_repository.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/snapshot_repository.h"
#include "backup_service/db/testing/test_database.h"
#include "backup_service/db/volume_repository.h"

namespace bb {
namespace {

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    volumes_ = std::make_unique<VolumeRepository>(tdb_->db(), "host-a");
    snapshots_ = std::make_unique<SnapshotRepository>(tdb_->db(), "host-a");
    backups_ = std::make_unique<BackupRepository>(tdb_->db(), "host-a");
  }

  Volume MakeVolume(VolumeStatus status = VolumeStatus::kAvailable) {
    Volume v;
    v.id = NewUuid();
    v.project_id = "p1";
    v.name = "vol";
    v.size_gib = 1;
    v.status = status;
    v.host = "host-a";
    EXPECT_TRUE(volumes_->Insert(v, false, "test").ok());
    return v;
  }

  // A backup record of `v`, not yet stored.
  static Backup NewBackup(const Volume& v) {
    Backup b;
    b.id = NewUuid();
    b.project_id = "p1";
    b.volume_id = v.id;
    b.container = "p1/backups";
    b.host = "host-a";
    b.size_gib = 1;
    return b;
  }

  Backup MakeBackup(const Volume& v) {
    Backup b = NewBackup(v);
    EXPECT_TRUE(backups_->Insert(b, "test").ok());
    return b;
  }

  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<VolumeRepository> volumes_;
  std::unique_ptr<SnapshotRepository> snapshots_;
  std::unique_ptr<BackupRepository> backups_;
};

TEST_F(RepositoryTest, MigrationsAreIdempotent) {
  EXPECT_TRUE(tdb_->db().ApplyMigrations(BB_SCHEMA_DIR).ok());
  EXPECT_TRUE(tdb_->db().ApplyMigrations(BB_SCHEMA_DIR).ok());
}

TEST_F(RepositoryTest, VolumeRoundTripAndProjectIsolation) {
  Volume v = MakeVolume();
  auto got = volumes_->Get(v.id, "p1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->name, "vol");
  EXPECT_EQ(got->status, VolumeStatus::kAvailable);
  EXPECT_GT(got->created_at, 0);
  EXPECT_EQ(volumes_->Get(v.id, "p2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(volumes_->Get(NewUuid()).status().code(), StatusCode::kNotFound);
}

TEST_F(RepositoryTest, CompareAndSwapRefusesWrongStateAndRecordsEvents) {
  Volume v = MakeVolume();
  VolumeChange prev;
  prev.previous_status = VolumeStatus::kAvailable;
  ASSERT_TRUE(
      volumes_
          ->Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kBackingUp, "backup b", prev)
          .ok());
  // A second request that still thinks the volume is available loses.
  Status lost = volumes_->Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kAttaching, "x");
  EXPECT_EQ(lost.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(lost.message().find("backing-up"), std::string::npos) << lost.message();
  auto got = volumes_->Get(v.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, VolumeStatus::kBackingUp);
  EXPECT_EQ(got->previous_status, VolumeStatus::kAvailable);

  auto events = ListEvents(tdb_->db(), "volume", v.id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].from_status, "available");
  EXPECT_EQ((*events)[1].to_status, "backing-up");
  EXPECT_EQ((*events)[1].reason, "backup b");
}

TEST_F(RepositoryTest, IllegalTransitionIsRefusedBeforeSql) {
  Volume v = MakeVolume();
  EXPECT_EQ(volumes_->Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kErrorRestoring, "")
                .code(),
            StatusCode::kInternal);
}

TEST_F(RepositoryTest, ConcurrentCompareAndSwapHasOneWinner) {
  Volume v = MakeVolume();
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (volumes_->Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kAttaching, "race")
              .ok()) {
        ++wins;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST_F(RepositoryTest, CheckConstraintRejectsUnknownStatus) {
  Status st = tdb_->db().InTransaction([&](pqxx::dbtransaction& txn) {
    txn.exec(
        "INSERT INTO volumes (id, project_id, size_gib, status, host) VALUES "
        "(gen_random_uuid(), 'p', 1, 'bogus', 'h')");
    return Status::Ok();
  });
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
}

TEST_F(RepositoryTest, DeleteRefusedWhileBackupRunsOrSnapshotsExist) {
  Volume v = MakeVolume();
  Backup b = MakeBackup(v);
  Status st = volumes_->BeginDelete(v.id, VolumeStatus::kAvailable);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find(b.id), std::string::npos) << st.message();
  ASSERT_TRUE(backups_->Transition(b.id, BackupStatus::kCreating, BackupStatus::kError, "t").ok());

  Snapshot s;
  s.id = NewUuid();
  s.project_id = "p1";
  s.volume_id = v.id;
  s.size_gib = 1;
  s.status = SnapshotStatus::kAvailable;
  ASSERT_TRUE(snapshots_->Insert(s, "t", {VolumeStatus::kAvailable}).ok());
  EXPECT_EQ(volumes_->BeginDelete(v.id, VolumeStatus::kAvailable).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(
      snapshots_->Transition(s.id, SnapshotStatus::kAvailable, SnapshotStatus::kDeleting, "").ok());
  ASSERT_TRUE(snapshots_->Remove(s.id, SnapshotStatus::kDeleting, "t").ok());
  ASSERT_TRUE(volumes_->BeginDelete(v.id, VolumeStatus::kAvailable).ok());
  ASSERT_TRUE(volumes_->Remove(v.id, VolumeStatus::kDeleting, "t").ok());
  EXPECT_EQ(volumes_->Get(v.id).status().code(), StatusCode::kNotFound);
}

TEST_F(RepositoryTest, SnapshotInsertRefusedOnceVolumeIsBeingDeleted) {
  Volume v = MakeVolume();
  ASSERT_TRUE(volumes_->BeginDelete(v.id, VolumeStatus::kAvailable).ok());
  Snapshot s;
  s.id = NewUuid();
  s.project_id = "p1";
  s.volume_id = v.id;
  s.size_gib = 1;
  Status st = snapshots_->Insert(s, "t", {VolumeStatus::kAvailable, VolumeStatus::kInUse});
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("deleting"), std::string::npos) << st.message();
  EXPECT_EQ(snapshots_->Get(s.id).status().code(), StatusCode::kNotFound);
  // The delete can still complete: no snapshot row points at the volume.
  EXPECT_TRUE(volumes_->Remove(v.id, VolumeStatus::kDeleting, "t").ok());
}

TEST_F(RepositoryTest, AttachmentChangesCommitOnlyWithTheVolumeTransition) {
  Volume v = MakeVolume(VolumeStatus::kError);
  Attachment a;
  a.id = NewUuid();
  a.volume_id = v.id;
  a.attached_host = "host-a";
  a.status = AttachmentStatus::kAttaching;
  VolumeChange change;
  change.attachment = AttachmentChange{AttachmentChange::Kind::kInsert, a};
  // The volume is not available: the compare-and-swap fails and the attachment is not written.
  EXPECT_EQ(
      volumes_->Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kAttaching, "t", change)
          .code(),
      StatusCode::kFailedPrecondition);
  EXPECT_TRUE(volumes_->ListAttachments(v.id).value().empty());
  Volume w = MakeVolume();
  a.volume_id = w.id;
  change.attachment = AttachmentChange{AttachmentChange::Kind::kInsert, a};
  ASSERT_TRUE(
      volumes_->Transition(w.id, VolumeStatus::kAvailable, VolumeStatus::kAttaching, "t", change)
          .ok());
  ASSERT_EQ(volumes_->ListAttachments(w.id).value().size(), 1u);
}

TEST_F(RepositoryTest, RecoveryListsThisHostsTransitionalRecordsThatNoBackupHolds) {
  Volume creating = MakeVolume(VolumeStatus::kCreating);
  MakeVolume(VolumeStatus::kAvailable);
  Volume held = MakeVolume(VolumeStatus::kBackingUp);
  MakeBackup(held);  // creating: the backups' cleanup owns this volume
  Volume orphan = MakeVolume(VolumeStatus::kBackingUp);
  Backup done = MakeBackup(orphan);
  ASSERT_TRUE(
      backups_->Transition(done.id, BackupStatus::kCreating, BackupStatus::kError, "t").ok());
  Volume elsewhere;
  elsewhere.id = NewUuid();
  elsewhere.project_id = "p1";
  elsewhere.size_gib = 1;
  elsewhere.status = VolumeStatus::kAttaching;
  elsewhere.host = "host-b";
  ASSERT_TRUE(volumes_->Insert(elsewhere, false, "t").ok());

  auto volumes = volumes_->ListNeedingRecovery("host-a");
  ASSERT_TRUE(volumes.ok()) << volumes.status().ToString();
  std::vector<std::string> ids;
  for (const auto& v : *volumes) ids.push_back(v.id);
  EXPECT_EQ(ids, (std::vector<std::string>{creating.id, orphan.id}));

  Volume base = MakeVolume();
  Snapshot s;
  s.id = NewUuid();
  s.project_id = "p1";
  s.volume_id = base.id;
  s.size_gib = 1;
  s.status = SnapshotStatus::kCreating;
  s.host = "host-a";
  ASSERT_TRUE(snapshots_->Insert(s, "t", {VolumeStatus::kAvailable}).ok());
  Snapshot other = s;
  other.id = NewUuid();
  other.host = "host-b";
  ASSERT_TRUE(snapshots_->Insert(other, "t", {VolumeStatus::kAvailable}).ok());
  auto snapshots = snapshots_->ListNeedingRecovery("host-a");
  ASSERT_TRUE(snapshots.ok()) << snapshots.status().ToString();
  ASSERT_EQ(snapshots->size(), 1u);
  EXPECT_EQ((*snapshots)[0].id, s.id);
  EXPECT_EQ((*snapshots)[0].host, "host-a");
}

TEST_F(RepositoryTest, BackupChangesPersistWithTransition) {
  Volume v = MakeVolume();
  Backup b = MakeBackup(v);
  std::string snap = NewUuid();
  BackupChange rec;
  rec.temp_snapshot_id = snap;
  rec.set_started_now = true;
  ASSERT_TRUE(backups_->Update(b.id, BackupStatus::kCreating, "temp snapshot recorded", rec).ok());
  BackupChange done;
  done.temp_snapshot_id = "";
  done.object_count = 7;
  done.stored_bytes = 1234;
  done.manifest_object = "manifests/x.json";
  done.source_kind = BackupSourceKind::kTempSnapshotLocal;
  done.set_finished_now = true;
  ASSERT_TRUE(
      backups_->Transition(b.id, BackupStatus::kCreating, BackupStatus::kAvailable, "done", done)
          .ok());
  auto got = backups_->Get(b.id, "p1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, BackupStatus::kAvailable);
  EXPECT_EQ(got->temp_snapshot_id, "");
  EXPECT_EQ(got->object_count, 7);
  EXPECT_EQ(got->stored_bytes, 1234);
  EXPECT_EQ(got->source_kind, BackupSourceKind::kTempSnapshotLocal);
  EXPECT_GT(got->started_at, 0);
  EXPECT_GE(got->finished_at, got->started_at);
  std::string upper = v.id;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto page = ResolvePage({}, kBackupSortKeys, ListLimits{});
  ASSERT_TRUE(page.ok());
  // The same UUID written in upper case.
  auto listed = backups_->List({.project_id = "p1", .volume_id = upper}, *page);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->records.size(), 1u);
  auto latest = backups_->LatestAvailable("p1", v.id);
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->id, b.id);
  // Wrong expected status: nothing changes.
  EXPECT_EQ(backups_->Transition(b.id, BackupStatus::kCreating, BackupStatus::kError, "x").code(),
            StatusCode::kFailedPrecondition);
}

// --- reset-status, snapshot backups, name/description updates --------------------------------

TEST_F(RepositoryTest, ResetReleasesTheVolumeInTheSameTransaction) {
  Volume v = MakeVolume();
  Backup b = NewBackup(v);
  ASSERT_TRUE(backups_->BeginBackup(b, VolumeStatus::kAvailable).ok());
  BackupChange change;
  change.fail_reason = "reset";
  ASSERT_TRUE(backups_
                  ->Reset(b.id, BackupStatus::kCreating, BackupStatus::kError, "operator", change,
                          VolumeRelease{v.id, VolumeStatus::kBackingUp, VolumeStatus::kAvailable},
                          std::nullopt)
                  .ok());
  EXPECT_EQ(backups_->Get(b.id)->status, BackupStatus::kError);
  EXPECT_EQ(backups_->Get(b.id)->fail_reason, "reset");
  auto vol = volumes_->Get(v.id);
  EXPECT_EQ(vol->status, VolumeStatus::kAvailable);
  EXPECT_FALSE(vol->previous_status.has_value());
  auto events = ListEvents(tdb_->db(), "volume", v.id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().to_status, "available");
  EXPECT_EQ(events->back().reason, "operator");

  // A reset that lost its compare-and-swap changes nothing at all.
  Status st = backups_->Reset(b.id, BackupStatus::kCreating, BackupStatus::kAvailable, "again", {},
                              std::nullopt, std::nullopt);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(backups_->Get(b.id)->status, BackupStatus::kError);
  // Deleted is not a reset target.
  EXPECT_EQ(backups_
                ->Reset(b.id, BackupStatus::kError, BackupStatus::kDeleted, "x", {}, std::nullopt,
                        std::nullopt)
                .code(),
            StatusCode::kInternal);
}

TEST_F(RepositoryTest, ResetLeavesAVolumeHeldByAnotherBackup) {
  Volume v = MakeVolume();
  Backup stuck = MakeBackup(v);  // creating, left by a crash; the volume is no longer held by it
  Backup running = NewBackup(v);
  ASSERT_TRUE(backups_->BeginBackup(running, VolumeStatus::kAvailable).ok());
  ASSERT_TRUE(backups_
                  ->Reset(stuck.id, BackupStatus::kCreating, BackupStatus::kError, "operator", {},
                          VolumeRelease{v.id, VolumeStatus::kBackingUp, VolumeStatus::kAvailable},
                          std::nullopt)
                  .ok());
  EXPECT_EQ(backups_->Get(stuck.id)->status, BackupStatus::kError);
  EXPECT_EQ(volumes_->Get(v.id)->status, VolumeStatus::kBackingUp);  // still held by `running`
}

TEST_F(RepositoryTest, SnapshotBackupHoldsOnlyTheSnapshot) {
  Volume v = MakeVolume(VolumeStatus::kInUse);
  Volume other = MakeVolume();
  Snapshot s;
  s.id = NewUuid();
  s.project_id = "p1";
  s.volume_id = v.id;
  s.size_gib = 1;
  s.status = SnapshotStatus::kAvailable;
  ASSERT_TRUE(snapshots_->Insert(s, "t", {VolumeStatus::kInUse}).ok());
  Backup b = NewBackup(other);  // the snapshot is not of this volume: refused, nothing written
  b.snapshot_id = s.id;
  EXPECT_FALSE(backups_->BeginSnapshotBackup(b).ok());
  EXPECT_EQ(backups_->Get(b.id).status().code(), StatusCode::kNotFound);

  b.volume_id = v.id;
  ASSERT_TRUE(backups_->BeginSnapshotBackup(b).ok());
  EXPECT_EQ(snapshots_->Get(s.id)->status, SnapshotStatus::kBackingUp);
  EXPECT_EQ(volumes_->Get(v.id)->status, VolumeStatus::kInUse);  // untouched
  EXPECT_EQ(backups_->Get(b.id)->snapshot_id, s.id);
  // A second backup of the same snapshot waits its turn.
  Backup second = b;
  second.id = NewUuid();
  EXPECT_EQ(backups_->BeginSnapshotBackup(second).code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(backups_
                  ->Reset(b.id, BackupStatus::kCreating, BackupStatus::kError, "operator", {},
                          std::nullopt, SnapshotRelease{s.id})
                  .ok());
  EXPECT_EQ(snapshots_->Get(s.id)->status, SnapshotStatus::kAvailable);
}

TEST_F(RepositoryTest, UpdateInfoChangesOnlyWhatIsGiven) {
  Backup b = MakeBackup(MakeVolume());
  auto named = backups_->UpdateInfo(b.id, "p1", std::string("new name"), std::nullopt);
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->name, "new name");
  EXPECT_EQ(named->description, b.description);
  auto described = backups_->UpdateInfo(b.id, "p1", std::nullopt, std::string(""));
  ASSERT_TRUE(described.ok());
  EXPECT_EQ(described->name, "new name");
  EXPECT_EQ(described->description, "");
  EXPECT_EQ(backups_->UpdateInfo(b.id, "p2", std::string("x"), std::nullopt).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(backups_->Get(b.id)->name, "new name");
}

}  // namespace
}  // namespace bb
