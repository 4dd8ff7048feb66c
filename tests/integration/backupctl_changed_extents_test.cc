// Changed-extent incrementals end to end (backup_service/datapath/README.md "Changed-extent
// incrementals"): a real backupd with changed_extent_incrementals on, its PostgreSQL, the file
// driver on a loop-mounted reflink XFS (root). A full backup keeps its temporary snapshot as the
// volume's incremental base; after scattered writes an incremental asks the driver (FIEMAP of the
// two reflink snapshots) what changed and reads only that, which the kernel's own count of the
// daemon's reads (/proc/<pid>/io rchar) proves; the restore is bit-exact. The base is replaced by
// each backup, kept by a restart, finished by restart cleanup after a kill between the commit and
// the removal of the old base (failpoint base.after_commit), removed with its backup when that is
// deleted, and removed with its volume. It is the default; turned off, no snapshot is
// kept.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>

#include "tests/integration/backupctl_xfs_fixture.h"

namespace bb::it {
namespace {

constexpr int64_t kChunk = 32 << 10;

class ChangedExtentsTest : public BackupctlOnXfsTest {
 protected:
  explicit ChangedExtentsTest(
      std::vector<std::string> config = {"changed_extent_incrementals = true"})
      : BackupctlOnXfsTest(std::move(config)) {}

  // rchar of the daemon: bytes its read syscalls returned (files, sockets), counted by the kernel.
  int64_t DaemonReadBytes() {
    std::ifstream io("/proc/" + std::to_string(daemon_->pid()) + "/io");
    std::string key;
    int64_t value = 0;
    while (io >> key >> value) {
      if (key == "rchar:") return value;
    }
    ADD_FAILURE() << "no rchar in /proc/" << daemon_->pid() << "/io";
    return 0;
  }

  // "snapshot id|status|incremental_base_of" of the volume's snapshots.
  std::vector<std::string> Snapshots(const std::string& volume_id) {
    return QueryRows(database_->conninfo(),
                     "SELECT id, status, coalesce(incremental_base_of::text, '') FROM snapshots "
                     "WHERE volume_id = '" +
                         volume_id + "' ORDER BY created_at");
  }

  std::vector<std::string> SnapshotFiles() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(xfs_->path())) {
      std::string name = e.path().filename();
      if (name.rfind("snapshot-", 0) == 0) out.push_back(name);
    }
    return out;
  }

  // The volume's one snapshot is an available base holding `backup_id`, with its file.
  void ExpectBaseOf(const std::string& volume_id, const std::string& backup_id) {
    auto rows = Snapshots(volume_id);
    ASSERT_EQ(rows.size(), 1u) << ::testing::PrintToString(rows) << daemon_->Log();
    EXPECT_NE(rows[0].find("|available|" + backup_id), std::string::npos) << rows[0];
    auto files = SnapshotFiles();
    ASSERT_EQ(files.size(), 1u) << ::testing::PrintToString(files);
    EXPECT_EQ(files[0], "snapshot-" + rows[0].substr(0, rows[0].find('|')));
  }

  // Scattered 4 KiB writes (some straddling two chunks); returns the chunks they touch.
  int64_t ScatteredWrites(const std::string& volume_id, int count, uint32_t seed) {
    std::mt19937_64 gen(seed);
    std::set<int64_t> chunks;
    for (int i = 0; i < count; ++i) {
      int64_t offset = static_cast<int64_t>(gen() % ((1ll << 30) - 8192));
      if (i % 3 != 0) offset &= ~int64_t{4095};  // most aligned, a third not
      WritePattern(volume_id, offset, 4096, seed + static_cast<uint32_t>(i));
      chunks.insert(offset / kChunk);
      chunks.insert((offset + 4095) / kChunk);
    }
    return static_cast<int64_t>(chunks.size());
  }

  v1::Backup BackupMeasured(const std::string& volume_id, bool incremental, int64_t* read) {
    const int64_t before = DaemonReadBytes();
    v1::Backup b = BackupAndWait(volume_id, incremental);
    *read = DaemonReadBytes() - before;
    return b;
  }
};

TEST_F(ChangedExtentsTest, IncrementalReadsOnlyChangedChunksAndTheBaseFollowsTheBackups) {
  v1::Volume vol = CreateVolume(1, "cx");
  // 96 MiB of data in three regions of the 1 GiB volume (the rest is holes, never read).
  const int64_t data = 96 * kMiB;
  for (int64_t region : {int64_t{0}, 400 * kMiB, 900 * kMiB}) {
    WritePattern(vol.id(), region, 32 * kMiB, static_cast<uint32_t>(region >> 20));
  }
  int64_t full_read = 0;
  v1::Backup full = BackupMeasured(vol.id(), false, &full_read);
  ASSERT_EQ(full.status(), "available");
  EXPECT_GE(full_read, data) << "the full backup reads all the data";
  ExpectBaseOf(vol.id(), full.id());

  const int64_t touched = ScatteredWrites(vol.id(), 40, 11);
  int64_t incr_read = 0;
  v1::Backup incr = BackupMeasured(vol.id(), true, &incr_read);
  ASSERT_EQ(incr.status(), "available") << incr.fail_reason();
  EXPECT_EQ(incr.parent_id(), full.id());
  // The changed chunks, plus the container index, the parent's manifest and a chunk list per
  // touched segment (~0.2 MiB here) and the daemon's sockets: far below the data.
  const int64_t bound = touched * kChunk + 4 * kMiB;
  EXPECT_LE(incr_read, bound) << "read " << incr_read << " bytes for " << touched
                              << " changed chunks\n"
                              << daemon_->Log();
  EXPECT_LT(incr_read, data / 8);
  std::cout << "changed-extent incremental: " << touched << " chunks touched, backupd read "
            << incr_read << " bytes (full: " << full_read << ")\n";
  EXPECT_NE(daemon_->Log().find("changed extents used"), std::string::npos) << daemon_->Log();
  ExpectBaseOf(vol.id(), incr.id());  // replaced; the full's snapshot file is gone

  v1::Volume restored = RestoreAndWait(incr.id(), "");
  ExpectSameContent(vol.id(), restored.id());

  // A restart keeps a valid base.
  StopDaemon();
  StartDaemon(options_);
  ExpectBaseOf(vol.id(), incr.id());

  // Killed after the commit that supersedes the base, before the old one is removed: the new
  // backup is available, the old base deleting; restart cleanup removes it and keeps the new.
  ScatteredWrites(vol.id(), 10, 77);
  auto killing = options_;
  killing.extra_config.push_back("failpoints = base.after_commit=kill");
  StopDaemon();
  StartDaemon(killing);
  v1::CreateBackupRequest request;
  request.set_volume_id(vol.id());
  request.set_incremental(true);
  v1::Backup third;
  ASSERT_TRUE(backups_->CreateBackup(Ctx().get(), request, &third).ok());
  auto exited = daemon_->WaitForExit(std::chrono::seconds(120));
  ASSERT_TRUE(exited.ok()) << exited.status().ToString();
  KillDaemon();
  auto rows = Snapshots(vol.id());
  ASSERT_EQ(rows.size(), 2u) << ::testing::PrintToString(rows);
  StartDaemon(options_);
  EXPECT_EQ(GetBackupStatus(third.id()), "available");
  ExpectBaseOf(vol.id(), third.id());
  v1::Volume restored3 = RestoreAndWait(third.id(), "");
  ExpectSameContent(vol.id(), restored3.id());

  // The base's backup deleted: the base describes data no backup holds, so the delete removes
  // it (restart cleanup would too); the next incremental reads everything again, correctly.
  v1::DeleteBackupRequest del;
  del.set_backup_id(third.id());
  v1::Backup deleting;
  ASSERT_TRUE(backups_->DeleteBackup(Ctx().get(), del, &deleting).ok());
  bool gone = false;
  WaitWhile(third.id(), "deleting", &gone);
  EXPECT_TRUE(Snapshots(vol.id()).empty()) << ::testing::PrintToString(Snapshots(vol.id()));
  EXPECT_TRUE(SnapshotFiles().empty());
  EXPECT_NE(daemon_->Log().find("removed with the delete of its backup " + third.id()),
            std::string::npos);
  StopDaemon();
  StartDaemon(options_);
  EXPECT_TRUE(Snapshots(vol.id()).empty()) << ::testing::PrintToString(Snapshots(vol.id()));
  v1::Backup fourth = BackupAndWait(vol.id(), true);
  ExpectBaseOf(vol.id(), fourth.id());
  v1::Volume restored4 = RestoreAndWait(fourth.id(), "");
  ExpectSameContent(vol.id(), restored4.id());

  // Deleting the volume removes its base first.
  for (const std::string& id : {vol.id(), restored.id(), restored3.id(), restored4.id()}) {
    v1::DeleteVolumeRequest dv;
    dv.set_volume_id(id);
    v1::DeleteVolumeResponse out;
    grpc::Status s = volumes_->DeleteVolume(Ctx().get(), dv, &out);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
  }
  EXPECT_TRUE(Snapshots(vol.id()).empty());
  EXPECT_TRUE(SnapshotFiles().empty());
}

// backupd's default (no config line): each backup keeps its snapshot as the volume's base.
class ChangedExtentsDefaultTest : public ChangedExtentsTest {
 protected:
  ChangedExtentsDefaultTest() : ChangedExtentsTest({}) {}
};

TEST_F(ChangedExtentsDefaultTest, OnByDefault) {
  v1::Volume vol = CreateVolume(1, "default");
  WritePattern(vol.id(), 0, 8 * kMiB, 5);
  v1::Backup full = BackupAndWait(vol.id(), false);
  ASSERT_EQ(full.status(), "available") << full.fail_reason();
  ExpectBaseOf(vol.id(), full.id());
  ScatteredWrites(vol.id(), 5, 3);
  v1::Backup incr = BackupAndWait(vol.id(), true);
  ASSERT_EQ(incr.status(), "available") << incr.fail_reason();
  EXPECT_NE(daemon_->Log().find("changed extents used"), std::string::npos) << daemon_->Log();
  ExpectBaseOf(vol.id(), incr.id());
}

// Turned off: every temporary snapshot goes when its backup ends, and incrementals re-read.
class ChangedExtentsOffTest : public ChangedExtentsTest {
 protected:
  ChangedExtentsOffTest() : ChangedExtentsTest({"changed_extent_incrementals = false"}) {}
};

TEST_F(ChangedExtentsOffTest, NoSnapshotIsKept) {
  v1::Volume vol = CreateVolume(1, "off");
  WritePattern(vol.id(), 0, 8 * kMiB, 6);
  v1::Backup full = BackupAndWait(vol.id(), false);
  ASSERT_EQ(full.status(), "available") << full.fail_reason();
  EXPECT_TRUE(Snapshots(vol.id()).empty()) << ::testing::PrintToString(Snapshots(vol.id()));
  EXPECT_TRUE(SnapshotFiles().empty());
  ScatteredWrites(vol.id(), 5, 4);
  v1::Backup incr = BackupAndWait(vol.id(), true);
  ASSERT_EQ(incr.status(), "available") << incr.fail_reason();
  EXPECT_EQ(daemon_->Log().find("changed extents used"), std::string::npos);
  EXPECT_TRUE(Snapshots(vol.id()).empty());
  EXPECT_TRUE(SnapshotFiles().empty());
  v1::Volume restored = RestoreAndWait(incr.id(), "");
  ExpectSameContent(vol.id(), restored.id());
}

}  // namespace
}  // namespace bb::it
