// BackupManager + VolumeManager against a real PostgreSQL (BB_TEST_PG_CONNINFO).
// Fault paths use the fake driver and the memory store (test doubles); the forced backup of an
// in-use volume also runs on the real file driver on a loop-mounted XFS with a real loop device
// (root only).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>

#include "backup_service/common/uuid.h"
#include "backup_service/db/event_log.h"
#include "backup_service/db/testing/test_database.h"
#include "backup_service/db/volume_repository.h"
#include "backup_service/manager/backup_manager.h"
#include "backup_service/manager/local_volume_host.h"
#include "volume_drivers/fake/fake_driver.h"
#include "volume_drivers/testing/scratch_xfs.h"

namespace bb {
namespace {

constexpr char kProject[] = "p1";

// Compares two files or block devices in 1 MiB blocks (both must have the same length).
bool SameContent(const std::string& a, const std::string& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  if (!fa || !fb) return false;
  std::string ba(1 << 20, '\0'), bb(1 << 20, '\0');
  for (;;) {
    fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
    fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
    if (fa.gcount() != fb.gcount()) return false;
    if (fa.gcount() == 0) return true;
    if (std::memcmp(ba.data(), bb.data(), static_cast<size_t>(fa.gcount())) != 0) return false;
  }
}

void WritePattern(const std::string& path, int64_t offset, int64_t len, uint32_t seed) {
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << path;
  std::mt19937 rng(seed);
  std::string buf(static_cast<size_t>(len), '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  ASSERT_EQ(::pwrite(fd, buf.data(), buf.size(), offset), static_cast<ssize_t>(buf.size()));
  ASSERT_EQ(::fsync(fd), 0);
  ::close(fd);
}

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    tdb_ = testing::TestDatabase::Create(BB_SCHEMA_DIR, &why);
    if (!tdb_) GTEST_SKIP() << why;
    auto store = CreateObjectStore("memory", {});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
  }
  void StartManagers(VolumeDriver& driver) {
    volumes_ = std::make_unique<VolumeManager>(tdb_->db(), driver, runner_, "host-a");
    BackupManagerOptions o;
    o.host = "host-a";
    o.chunk_size = 1 << 20;
    volume_host_ = std::make_unique<LocalVolumeHost>(*volumes_);
    backups_ = std::make_unique<BackupManager>(tdb_->db(), *volume_host_, *store_, o);
  }
  void TearDown() override {
    backups_.reset();  // waits for jobs
    volumes_.reset();
  }

  Volume NewVolume(int64_t gib = 1) {
    auto v = volumes_->CreateVolume({kProject, "v", "", gib});
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return *v;
  }
  // Marks a volume in-use through the state machine without a device (fake driver tests).
  void MarkInUse(const Volume& v) {
    VolumeRepository repo(tdb_->db(), "host-a");
    ASSERT_TRUE(
        repo.Transition(v.id, VolumeStatus::kAvailable, VolumeStatus::kAttaching, "t").ok());
    ASSERT_TRUE(repo.Transition(v.id, VolumeStatus::kAttaching, VolumeStatus::kInUse, "t").ok());
  }
  Backup Finished(const std::string& id) {
    backups_->WaitIdle();
    auto b = backups_->GetBackup(kProject, id);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : Backup{};
  }
  VolumeStatus StatusOf(const std::string& volume_id) {
    return volumes_->GetVolume(kProject, volume_id)->status;
  }

  SystemCommandRunner runner_;
  std::unique_ptr<testing::TestDatabase> tdb_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<VolumeManager> volumes_;
  std::unique_ptr<LocalVolumeHost> volume_host_;
  std::unique_ptr<BackupManager> backups_;
};

TEST_F(ManagerTest, InUseWithoutForceIsRefusedAndNothingChanges) {
  FakeDriver driver;
  StartManagers(driver);
  Volume v = NewVolume();
  MarkInUse(v);
  auto events_before = ListEvents(tdb_->db(), "volume", v.id)->size();
  auto b = backups_->CreateBackup({kProject, v.id, "", "", false, false, "", ""});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(b.status().message(), "Backing up an in-use volume must use the force flag.");
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kInUse);
  EXPECT_EQ(ListEvents(tdb_->db(), "volume", v.id)->size(), events_before);
  EXPECT_TRUE(backups_->ListBackups({.project_id = kProject})->records.empty());
}

TEST_F(ManagerTest, ForcedBackupReturnsVolumeToInUseAndRestoresBitExact) {
  FakeDriver driver;
  StartManagers(driver);
  Volume v = NewVolume();
  std::string path = *volumes_->VolumeLocalPath(v);
  WritePattern(path, 3 << 20, 5 << 20, 7);
  MarkInUse(v);
  auto b = backups_->CreateBackup({kProject, v.id, "nightly", "", true, false, "", ""});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->status, BackupStatus::kCreating);
  Backup done = Finished(b->id);
  ASSERT_EQ(done.status, BackupStatus::kAvailable) << done.fail_reason;
  EXPECT_EQ(done.source_kind, BackupSourceKind::kTempSnapshotLocal);
  EXPECT_EQ(done.temp_snapshot_id, "");
  EXPECT_GT(done.stored_bytes, 0);
  EXPECT_GT(done.data_timestamp, 0);
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kInUse);
  EXPECT_EQ(driver.CallCount("DeleteSnapshot"), 1);
  // The volume history shows backing-up only around the snapshot, then in-use again.
  auto events = *ListEvents(tdb_->db(), "volume", v.id);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[events.size() - 2].to_status, "backing-up");
  EXPECT_EQ(events.back().to_status, "in-use");

  auto r = backups_->RestoreBackup({kProject, b->id, "", "restored"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->volume.status, VolumeStatus::kRestoringBackup);
  EXPECT_EQ(r->backup.status, BackupStatus::kRestoring);
  EXPECT_EQ(Finished(b->id).status, BackupStatus::kAvailable);
  auto restored = volumes_->GetVolume(kProject, r->volume.id);
  ASSERT_EQ(restored->status, VolumeStatus::kAvailable);
  EXPECT_EQ(restored->name, "restored");
  EXPECT_TRUE(SameContent(*volumes_->VolumeLocalPath(*restored), path));
}

TEST_F(ManagerTest, SnapshotFailureFailsBackupAndReleasesVolume) {
  FakeDriver driver;
  StartManagers(driver);
  Volume v = NewVolume();
  MarkInUse(v);
  driver.FailNext("CreateSnapshot", Status::Unavailable("array busy"));
  auto b = backups_->CreateBackup({kProject, v.id, "", "", true, false, "", ""});
  ASSERT_TRUE(b.ok());
  Backup done = Finished(b->id);
  EXPECT_EQ(done.status, BackupStatus::kError);
  EXPECT_NE(done.fail_reason.find("array busy"), std::string::npos) << done.fail_reason;
  EXPECT_EQ(done.temp_snapshot_id, "");
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kInUse);
  // No temporary snapshot row is left, so the volume can be detached and deleted later.
  Status st = tdb_->db().InTransaction([&](pqxx::dbtransaction& txn) {
    EXPECT_EQ(txn.exec("SELECT count(*) FROM snapshots")[0][0].as<int>(), 0);
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok());
}

TEST_F(ManagerTest, CloneFallbackWhenDriverCannotSnapshot) {
  DriverCapabilities caps = FakeDriver::DefaultCapabilities();
  caps.can_snapshot = false;
  FakeDriver driver(caps);
  StartManagers(driver);
  Volume v = NewVolume();
  MarkInUse(v);
  auto b = backups_->CreateBackup({kProject, v.id, "", "", true, false, "", ""});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  Backup done = Finished(b->id);
  ASSERT_EQ(done.status, BackupStatus::kAvailable) << done.fail_reason;
  EXPECT_EQ(done.source_kind, BackupSourceKind::kTempCloneLocal);
  EXPECT_EQ(done.temp_volume_id, "");
  // The clone is gone.
  EXPECT_EQ(volumes_->ListVolumes({.project_id = kProject})->records.size(), 1u);
}

TEST_F(ManagerTest, NoConsistentCopyRefusesForcedBackupWithReason) {
  DriverCapabilities caps;
  caps.volume_readable_locally = true;
  caps.no_consistent_copy_reason = "volumes_dir /x has no reflink";
  FakeDriver driver(caps);
  StartManagers(driver);
  Volume v = NewVolume();
  MarkInUse(v);
  auto b = backups_->CreateBackup({kProject, v.id, "", "", true, false, "", ""});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(b.status().message().find("no reflink"), std::string::npos);
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kInUse);
  // A detached volume is still backed up, read directly.
  Volume w = NewVolume();
  auto ok = backups_->CreateBackup({kProject, w.id, "", "", false, false, "", ""});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(Finished(ok->id).source_kind, BackupSourceKind::kVolumeDirect);
  EXPECT_EQ(StatusOf(w.id), VolumeStatus::kAvailable);
}

TEST_F(ManagerTest, IncrementalRecordsParentAndStoresOnlyNewChunks) {
  FakeDriver driver;
  StartManagers(driver);
  Volume v = NewVolume();
  std::string path = *volumes_->VolumeLocalPath(v);
  auto none = backups_->CreateBackup({kProject, v.id, "", "", false, true, "", ""});
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(none.status().message(), "No backups available to do an incremental backup.");
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kAvailable);

  WritePattern(path, 0, 16 << 20, 1);
  auto full = backups_->CreateBackup({kProject, v.id, "", "", false, false, "", ""});
  ASSERT_TRUE(full.ok());
  Backup f = Finished(full->id);
  ASSERT_EQ(f.status, BackupStatus::kAvailable);
  WritePattern(path, 5 << 20, 4096, 2);  // one changed 1 MiB chunk
  auto inc = backups_->CreateBackup({kProject, v.id, "", "", false, true, "", ""});
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  Backup i = Finished(inc->id);
  ASSERT_EQ(i.status, BackupStatus::kAvailable);
  EXPECT_EQ(i.parent_id, f.id);
  // v1: one chunk + the manifest; v2 (the default): one pack + its index + the manifest.
  EXPECT_EQ(i.storage_format, kStoragePackedV2);
  EXPECT_EQ(i.object_count, 3);
  EXPECT_LT(i.stored_bytes, f.stored_bytes / 8);
  EXPECT_EQ(backups_->GetBackup(kProject, f.id)->num_dependent_backups, 1);

  // Deleting the full backup keeps the incremental restorable: chunks are shared, not chained.
  ASSERT_TRUE(backups_->DeleteBackup(kProject, f.id, false).ok());
  backups_->WaitIdle();
  EXPECT_EQ(backups_->GetBackup(kProject, f.id).status().code(), StatusCode::kNotFound);
  auto r = backups_->RestoreBackup({kProject, i.id, "", ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  backups_->WaitIdle();
  auto restored = volumes_->GetVolume(kProject, r->volume.id);
  ASSERT_EQ(restored->status, VolumeStatus::kAvailable);
  EXPECT_TRUE(SameContent(*volumes_->VolumeLocalPath(*restored), path));
}

TEST_F(ManagerTest, RestoreChecksTargetAndFailureLeavesBackupAvailable) {
  FakeDriver driver;
  StartManagers(driver);
  Volume v = NewVolume(2);
  WritePattern(*volumes_->VolumeLocalPath(v), 0, 2 << 20, 3);
  auto b = backups_->CreateBackup({kProject, v.id, "", "", false, false, "", ""});
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(Finished(b->id).status, BackupStatus::kAvailable);

  Volume small = NewVolume(1);
  auto too_small = backups_->RestoreBackup({kProject, b->id, small.id, ""});
  EXPECT_EQ(too_small.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_small.status().message().find("too small"), std::string::npos);
  Volume busy = NewVolume(2);
  MarkInUse(busy);
  EXPECT_EQ(backups_->RestoreBackup({kProject, b->id, busy.id, ""}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(backups_->RestoreBackup({kProject, NewUuid(), "", ""}).status().code(),
            StatusCode::kNotFound);
  // Refusals created nothing.
  EXPECT_EQ(volumes_->ListVolumes({.project_id = kProject})->records.size(), 3u);

  // Corrupt every stored chunk: the restore fails, the backup stays available, the existing
  // target goes to error_restoring.
  const std::string container = kProject + std::string("/backups");
  // v1 chunks or v2 packs, whichever the default format wrote.
  auto chunks = store_->List(container, "chunks/");
  auto packs = store_->List(container, "packs/");
  ASSERT_TRUE(chunks.ok() && packs.ok());
  chunks->insert(chunks->end(), packs->begin(), packs->end());
  ASSERT_FALSE(chunks->empty());
  for (const auto& name : *chunks) ASSERT_TRUE(store_->Put(container, name, "garbage").ok());
  Volume target = NewVolume(2);
  auto r = backups_->RestoreBackup({kProject, b->id, target.id, ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Finished(b->id).status, BackupStatus::kAvailable);
  EXPECT_EQ(StatusOf(target.id), VolumeStatus::kErrorRestoring);
}

TEST_F(ManagerTest, BadInputGetsInvalidArgumentOrNotFound) {
  FakeDriver driver;
  StartManagers(driver);
  EXPECT_EQ(backups_->CreateBackup({kProject, "not-a-uuid", "", "", false, false, "", ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      backups_->CreateBackup({kProject, NewUuid(), "", "", false, false, "", ""}).status().code(),
      StatusCode::kNotFound);
  Volume v = NewVolume();
  EXPECT_EQ(
      backups_->CreateBackup({kProject, v.id, std::string(300, 'n'), "", false, false, "", ""})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      backups_->CreateBackup({kProject, v.id, "", "", false, false, "", "../etc"}).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(volumes_->CreateVolume({kProject, "", "", 0}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(volumes_->CreateVolume({kProject, "", "", 100000}).status().code(),
            StatusCode::kInvalidArgument);
  // Another project's volume does not exist for us.
  EXPECT_EQ(backups_->CreateBackup({"p2", v.id, "", "", false, false, "", ""}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kAvailable);
}

// The real thing: file driver on XFS with reflink, attached through a loop device.
TEST_F(ManagerTest, FileDriverForcedBackupOfAttachedVolume) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: mounts XFS and attaches loop devices";
  auto xfs = testing::ScratchXfs::Create(runner_, 1ll << 30);
  ASSERT_TRUE(xfs.ok()) << xfs.status().ToString();
  auto driver = CreateVolumeDriver("file", {{"volumes_dir", (*xfs)->path()}}, runner_);
  ASSERT_TRUE(driver.ok()) << driver.status().ToString();
  ASSERT_TRUE((*driver)->CheckForSetupError().ok());
  ASSERT_TRUE((*driver)->Capabilities().can_snapshot);
  StartManagers(**driver);
  Volume v = NewVolume(1);
  auto a = volumes_->AttachVolume(kProject, v.id, NewUuid());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->device.rfind("/dev/loop", 0), 0u) << a->device;
  // Buffered writes through the block device: only the flush before the snapshot makes them
  // part of the backup.
  {
    std::mt19937 rng(11);
    std::string buf(8 << 20, '\0');
    for (auto& c : buf) c = static_cast<char>(rng());
    int fd = ::open(a->device.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, buf.data(), buf.size(), 1 << 20), static_cast<ssize_t>(buf.size()));
    ::close(fd);
  }
  auto b = backups_->CreateBackup({kProject, v.id, "", "", true, false, "", ""});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  Backup done = Finished(b->id);
  ASSERT_EQ(done.status, BackupStatus::kAvailable) << done.fail_reason;
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kInUse);
  auto r = backups_->RestoreBackup({kProject, b->id, "", ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  backups_->WaitIdle();
  auto restored = volumes_->GetVolume(kProject, r->volume.id);
  ASSERT_EQ(restored->status, VolumeStatus::kAvailable);
  EXPECT_TRUE(SameContent(a->device, *volumes_->VolumeLocalPath(*restored)));
  ASSERT_TRUE(volumes_->DetachVolume(kProject, v.id, "").ok());
  EXPECT_EQ(StatusOf(v.id), VolumeStatus::kAvailable);
  backups_.reset();
  volumes_.reset();
  EXPECT_TRUE((*xfs)->Unmount().ok());
}

}  // namespace
}  // namespace bb
